-- A tiny schema for TestServersTest: proves runScript splits statements and keeps utf8mb4 text.
CREATE TABLE greeting (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  text VARCHAR(100) NOT NULL
);

INSERT INTO greeting (text) VALUES ('hello'), ('grüß dich 🙂');
