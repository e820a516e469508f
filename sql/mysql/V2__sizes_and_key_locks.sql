-- Outbox Relay schema, version 2: run after V1__outbox.sql. Idempotent (each change is made only
-- if missing), and quick on a live table: MySQL 8.0.12+ and MariaDB 10.3+ add a nullable last
-- column in place (INSTANT), without copying rows. The ALTER still needs a moment with no other
-- transaction open on t_msg, and writers queue behind it while it waits: it gives up after 5 s
-- (lock_wait_timeout) rather than hold them longer. Run the script again if it gave up.
SET SESSION lock_wait_timeout = 5;

-- t_msg.msg_bytes: the payload's and the headers' size, written by send. The relay bounds each
-- round by bytes as well as rows (outbox.relay.batch-bytes) from this column, without reading
-- payloads. Rows written before this version or by other tools have NULL, and the relay
-- measures those.
SET @outbox_ddl = IF(
  (SELECT COUNT(*) FROM information_schema.columns
   WHERE table_schema = DATABASE() AND table_name = 't_msg' AND column_name = 'msg_bytes') = 0,
  'ALTER TABLE t_msg ADD COLUMN msg_bytes INT NULL COMMENT ''payload + headers, in bytes''',
  'DO 0');
PREPARE outbox_ddl FROM @outbox_ddl;
EXECUTE outbox_ddl;
DEALLOCATE PREPARE outbox_ddl;

-- One row per message key, locked by send until the sending transaction ends (outbox.key-order =
-- commit): writers of one key take turns, so a key's messages get their ids, and are published,
-- in the order their transactions commit. The relay deletes rows of keys that have no message
-- left. A row holds nothing but the key: it is a lock, not data.
CREATE TABLE IF NOT EXISTS t_msg_key (
  msg_key VARCHAR(255) NOT NULL,
  PRIMARY KEY (msg_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

SET SESSION lock_wait_timeout = DEFAULT;
