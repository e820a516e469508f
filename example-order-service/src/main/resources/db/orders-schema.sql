-- The order service's own table, next to the outbox tables (sql/mysql/V1__outbox.sql) in its
-- database. message_id is the outbox message of the order's "order placed" event (NULL when the
-- demo's approaches 1 and 2 publish directly, without the outbox).
CREATE TABLE IF NOT EXISTS t_order (
  id         BIGINT        NOT NULL AUTO_INCREMENT,
  user_id    VARCHAR(64)   NOT NULL,
  amount     DECIMAL(12,2) NOT NULL,
  message_id BIGINT        NULL,
  created_at DATETIME(6)   NOT NULL,
  PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The article's registration scenarios (its t_user).
CREATE TABLE IF NOT EXISTS t_user (
  id   BIGINT      NOT NULL,
  name VARCHAR(64) NOT NULL,
  PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
