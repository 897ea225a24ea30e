/** The web's tables (see web-migration.ts); instants are milliseconds since the epoch. */
type Millis = number;

export interface WebSessionsTable {
  /** The digest of the session cookie's token. */
  id: string;
  user_id: string;
  created_at: Millis;
  last_seen_at: Millis;
  expires_at: Millis;
}

export interface PasswordLinksTable {
  token_digest: string;
  user_id: string;
  purpose: 'reset' | 'invitation';
  created_at: Millis;
  expires_at: Millis;
  used_at: Millis | null;
}

export interface UsageHistoryTable {
  /** A server (`srv_...`) or a pool (`sub_...`). */
  subject: string;
  account_id: string;
  /** The hour's start. */
  hour: Millis;
  /** The most tunnels seen connected in the hour. */
  peak: number;
  /** The seats licensed when the peak was seen. */
  licensed: number;
}

export interface WebTables {
  web_sessions: WebSessionsTable;
  password_links: PasswordLinksTable;
  usage_history: UsageHistoryTable;
}
