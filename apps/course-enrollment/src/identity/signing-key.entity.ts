import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '@registrar/platform';

/** A token signing key. The private half never leaves this database; the public half is published. */
@Entity('signing_keys')
export class SigningKey {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ name: 'private_jwk', type: 'text' })
  privateJwk!: string;

  @Column({ name: 'public_jwk', type: 'text' })
  publicJwk!: string;

  @Column({ name: 'created_at_ms', type: 'bigint', transformer: bigintTransformer })
  createdAtMs!: number;

  @Column({ name: 'retires_at_ms', type: 'bigint', transformer: bigintTransformer })
  retiresAtMs!: number;
}
