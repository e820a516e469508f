-- The points service's database: another database than the order service's, as in the article.

-- The inbox: one row per event ever processed. Its primary key is the dedupe: an event delivered
-- again (at-least-once delivery) finds its row and changes nothing. Written in the same local
-- transaction as the credit. message_id is the outbox-id header: a UUID unique across the services
-- that publish to the topic (two order services with databases of their own never share one).
CREATE TABLE IF NOT EXISTS t_inbox (
  topic       VARCHAR(249) NOT NULL,
  message_id  VARCHAR(64)  NOT NULL,
  received_at DATETIME(6)  NOT NULL,
  PRIMARY KEY (topic, message_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per credit, for the books: which order earned how many points, and when.
CREATE TABLE IF NOT EXISTS t_points_credit (
  id          BIGINT       NOT NULL AUTO_INCREMENT,
  order_id    BIGINT       NOT NULL,
  user_id     VARCHAR(64)  NOT NULL,
  points      BIGINT       NOT NULL,
  credited_at DATETIME(6)  NOT NULL,
  PRIMARY KEY (id),
  KEY idx_points_credit_order (order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS t_points_balance (
  user_id VARCHAR(64) NOT NULL,
  points  BIGINT      NOT NULL,
  PRIMARY KEY (user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
