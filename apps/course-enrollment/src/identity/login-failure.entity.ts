import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintTransformer } from '@registrar/platform';

/** One failed login, counted per account and per client address within a window. */
@Entity('login_failures')
export class LoginFailure {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ type: 'varchar', length: 64 })
  address!: string;

  @Column({ name: 'at_ms', type: 'bigint', transformer: bigintTransformer })
  atMs!: number;
}
