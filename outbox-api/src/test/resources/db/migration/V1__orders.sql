-- A service's own first migration, numbered V1 as services usually start.
CREATE TABLE orders (
  id   BIGINT       NOT NULL AUTO_INCREMENT,
  item VARCHAR(100) NOT NULL,
  PRIMARY KEY (id)
) ENGINE = InnoDB;
