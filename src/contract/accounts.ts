import { type Static, Type } from '@sinclair/typebox';
import { Email, Shared } from './common.js';

export const Account = Type.Object(
  {
    id: Type.String({ examples: ['acc_01kax5c1x8b2m4n6p8r0s2t4v6'] }),
    email: Type.String({ description: 'The registered admin email; it cannot be edited' }),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Account' },
);
export type Account = Static<typeof Account>;

export const CreateAccount = Type.Object(
  { email: Email, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

export const AccountCreated = Type.Object({
  account: Shared(Account),
  ownerToken: Type.String({ description: 'Shown once' }),
});
export type AccountCreated = Static<typeof AccountCreated>;

export const AccountList = Type.Object({ accounts: Type.Array(Shared(Account)) });
export type AccountList = Static<typeof AccountList>;

/** `email`: only the account with this registered admin email; 404 when the caller sees none. */
export const AccountQuery = Type.Object({ email: Type.Optional(Email) }, { additionalProperties: false });

export const AddMember = Type.Object({ email: Email }, { additionalProperties: false });

/** A user just made, with the token it is the only time to read. */
export const NewUser = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  token: Type.String({ description: 'API token, shown once; stored only as its digest' }),
  tokenId: Type.String({ description: 'Names the token in the audit log' }),
});
export type NewUser = Static<typeof NewUser>;
