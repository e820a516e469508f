-- Outbox Relay schema, version 3: run after V2__sizes_and_key_locks.sql, in the business database
-- and, in message-store mode, in the message database too. Idempotent (each change is made only if
-- missing) and online: the two columns are nullable last columns, added in place (INSTANT) on
-- MySQL 8.0.12+ and MariaDB 10.3+; the unique index is built in place while reads and writes go
-- on (LOCK=NONE), in a time that grows with t_msg_order. Each ALTER still needs a moment with no
-- other transaction open on its table, and writers queue behind it while it waits: it gives up
-- after 5 s (lock_wait_timeout) rather than hold them longer. Run the script again if it gave up.
SET SESSION lock_wait_timeout = 5;

-- t_msg.bus_msg_id: message-store mode's global business message id, written when the message is
-- prepared. The relay's check-back asks the business side whether a t_msg_order row carries it.
SET @outbox_ddl = IF(
  (SELECT COUNT(*) FROM information_schema.columns
   WHERE table_schema = DATABASE() AND table_name = 't_msg' AND column_name = 'bus_msg_id') = 0,
  'ALTER TABLE t_msg ADD COLUMN bus_msg_id VARCHAR(64) NULL COMMENT ''message-store mode: the business message id''',
  'DO 0');
PREPARE outbox_ddl FROM @outbox_ddl;
EXECUTE outbox_ddl;
DEALLOCATE PREPARE outbox_ddl;

-- t_msg_order.bus_msg_id: the same id, recorded in the business transaction. The row exists, with
-- that id, if and only if the business transaction committed: what the check-back looks up.
SET @outbox_ddl = IF(
  (SELECT COUNT(*) FROM information_schema.columns
   WHERE table_schema = DATABASE() AND table_name = 't_msg_order' AND column_name = 'bus_msg_id') = 0,
  'ALTER TABLE t_msg_order ADD COLUMN bus_msg_id VARCHAR(64) NULL COMMENT ''message-store mode: the business message id''',
  'DO 0');
PREPARE outbox_ddl FROM @outbox_ddl;
EXECUTE outbox_ddl;
DEALLOCATE PREPARE outbox_ddl;

SET @outbox_ddl = IF(
  (SELECT COUNT(*) FROM information_schema.statistics
   WHERE table_schema = DATABASE() AND table_name = 't_msg_order' AND index_name = 'uk_msg_order_bus') = 0,
  'ALTER TABLE t_msg_order ADD UNIQUE KEY uk_msg_order_bus (bus_msg_id), ALGORITHM = INPLACE, LOCK = NONE',
  'DO 0');
PREPARE outbox_ddl FROM @outbox_ddl;
EXECUTE outbox_ddl;
DEALLOCATE PREPARE outbox_ddl;

SET SESSION lock_wait_timeout = DEFAULT;
