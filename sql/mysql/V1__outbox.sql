-- Outbox Relay schema, version 1. Runs on MySQL 8.0+ and MariaDB 10.6+ (InnoDB, utf8mb4).
-- Every time column holds UTC: the code writes and compares them with UTC_TIMESTAMP(3), the
-- database's clock, so writers, relays and replicas with skewed clocks or time zones agree.

-- One row per business action that emits a message (the article's t_msg_order). It lives in the
-- business database and is written in the business transaction: the unique key makes a business
-- action emit once, and message-store mode checks back against it.
CREATE TABLE IF NOT EXISTS t_msg_order (
  id         BIGINT       NOT NULL AUTO_INCREMENT,
  ref_type   INT          NOT NULL,
  ref_id     VARCHAR(128) NOT NULL,
  created_at DATETIME(3)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_msg_order_ref (ref_type, ref_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The outbox. status: 0 PENDING, 1 SENT, 2 CANCELLED, 3 DEAD, 4 PREPARED (message-store mode).
-- ref_type/ref_id repeat the t_msg_order reference: they go out as Kafka headers, and in
-- message-store mode this table lives in another database than t_msg_order.
CREATE TABLE IF NOT EXISTS t_msg (
  id              BIGINT        NOT NULL AUTO_INCREMENT,
  msg_order_id    BIGINT        NULL,
  ref_type        INT           NOT NULL,
  ref_id          VARCHAR(128)  NOT NULL,
  topic           VARCHAR(249)  NOT NULL,
  msg_key         VARCHAR(255)  NULL,
  payload         MEDIUMBLOB    NOT NULL,
  headers         JSON          NULL COMMENT 'the caller''s headers: a JSON object of strings',
  lane            SMALLINT      NOT NULL,
  status          TINYINT       NOT NULL DEFAULT 0,
  attempts        INT           NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3)   NOT NULL,
  last_error      VARCHAR(1000) NULL,
  created_at      DATETIME(3)   NOT NULL,
  sent_at         DATETIME(3)   NULL,
  PRIMARY KEY (id),
  -- claim: WHERE lane = ? AND status = 0 ... ORDER BY id: the index order serves ORDER BY id,
  -- so there is no filesort and the locking read locks only the rows it returns. Also the relay's
  -- ordering guard and the pending gauges (one range per lane).
  KEY idx_msg_claim (lane, status, id),
  -- the fast path's ordering guard: is there an older PENDING/PREPARED row with this key?
  KEY idx_msg_key (msg_key, status, id)
  -- No more: every index holding status is rewritten when a row is marked SENT, the relay's
  -- costliest statement. The purge walks the primary key (ids grow with time).
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- ShedLock's table: lane leases (outbox-lane-<n>) and singleton housekeeping jobs. DATETIME, not
-- ShedLock's usual TIMESTAMP: every relay writes and compares UTC_TIMESTAMP(3), and a TIMESTAMP is
-- converted through each session's time zone, so relays whose sessions differ in time zone would
-- read each other's leases hours off.
CREATE TABLE IF NOT EXISTS shedlock (
  name       VARCHAR(64)  NOT NULL,
  lock_until DATETIME(3)  NOT NULL,
  locked_at  DATETIME(3)  NOT NULL,
  locked_by  VARCHAR(255) NOT NULL,
  PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
