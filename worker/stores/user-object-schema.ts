// The schema inside each user's Durable Object (user-object.ts), applied idempotently when the object starts.
// `state` is one row (k = 1): the hot path (rank, feedback) reads only it. `log` is the raw comparison log
// (embeddings as "F:" base64 float32 when exact, like D1's: db/columns.ts). `outbox` holds archive messages not yet
// accepted by the queue.
export const USER_OBJECT_SCHEMA = [
  `create table if not exists state (
    k integer primary key check (k = 1), tenant_id text not null, user_id text not null, basis_id text not null, j integer not null,
    mean blob not null, precision_chol blob not null, observations blob not null, feedback_count integer not null,
    version integer not null, created_at integer not null, updated_at integer not null)`,
  `create table if not exists log (
    seq integer primary key autoincrement, id text not null unique, prompt_hash text not null, chosen text not null, rejected text not null,
    chosen_hash text not null, rejected_hash text not null, embedder_id text not null, label real not null, event_id text,
    idempotency_key text unique, request_hash text not null, basis_id text not null, created_at integer not null,
    p_personal real, p_population real, feedback_count_before integer)`,
  `create table if not exists outbox (id text primary key, body text not null)`,
];
