-- Outbox Relay schema, version 5: run after V4__message_ids.sql, in the database that holds t_msg
-- (in message-store mode, the message database). Idempotent (each index is dropped or added only
-- as needed) and online: the ALTER runs in place with concurrent reads and writes (ALGORITHM =
-- INPLACE, LOCK = NONE) on MySQL 8.0 and MariaDB 10.6+; building the new index reads the table
-- once, so it takes a while on a large one, without blocking writers. The ALTER still needs a
-- moment with no other transaction open on t_msg at its start and end, and writers queue behind
-- it while it waits: it gives up after 5 s (lock_wait_timeout) rather than hold them longer, and
-- the index built so far is lost. Run the script again if it gave up.
--
-- The code of this version works with either index. Services of the versions before ask by key
-- with status in the index: on this one they read all of a key's rows, a whole-table scan for a
-- hot key. Apply it once every service runs this version; relays of any version are not
-- affected (docs/service.md, "Upgrading").
SET SESSION lock_wait_timeout = 5;

-- idx_msg_key (msg_key, status, id) becomes idx_msg_by_key (msg_key). Every index holding status
-- is rewritten when a row is marked SENT, the relay's costliest statement. The fast path's
-- ordering guard, which needed status in the key index, now reads a key's rows only from its
-- lane's oldest unpublished row up; the purge of unused key locks probes a key's rows whatever
-- their status. The new index changes with inserts and deletes only. One ALTER drops one and adds
-- the other, so there is no moment without an index by key.
SET @outbox_old = (SELECT COUNT(*) FROM information_schema.statistics
                   WHERE table_schema = DATABASE() AND table_name = 't_msg'
                     AND index_name = 'idx_msg_key');
SET @outbox_new = (SELECT COUNT(*) FROM information_schema.statistics
                   WHERE table_schema = DATABASE() AND table_name = 't_msg'
                     AND index_name = 'idx_msg_by_key');
SET @outbox_ddl = CASE
  WHEN @outbox_old > 0 AND @outbox_new = 0 THEN
    'ALTER TABLE t_msg DROP INDEX idx_msg_key, ADD INDEX idx_msg_by_key (msg_key), ALGORITHM = INPLACE, LOCK = NONE'
  WHEN @outbox_old > 0 THEN
    'ALTER TABLE t_msg DROP INDEX idx_msg_key, ALGORITHM = INPLACE, LOCK = NONE'
  WHEN @outbox_new = 0 THEN
    'ALTER TABLE t_msg ADD INDEX idx_msg_by_key (msg_key), ALGORITHM = INPLACE, LOCK = NONE'
  ELSE 'DO 0'
END;
PREPARE outbox_ddl FROM @outbox_ddl;
EXECUTE outbox_ddl;
DEALLOCATE PREPARE outbox_ddl;

SET SESSION lock_wait_timeout = DEFAULT;
