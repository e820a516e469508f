package dev.outboxrelay.testsupport;

/** Connector/J URLs as the tests want them. */
final class JdbcUrls {

  /**
   * TLS off: MariaDB 11.4 and MySQL 8.4 would otherwise negotiate it even on loopback, which only
   * costs time in tests; without TLS MySQL 8.4's caching_sha2_password needs the public key.
   * Batched statements are rewritten into multi-row INSERTs (several times faster).
   */
  static final String PARAMETERS =
      "sslMode=DISABLED&allowPublicKeyRetrieval=true&rewriteBatchedStatements=true"
          + "&characterEncoding=UTF-8";

  private JdbcUrls() {}

  static String connectorJ(String host, int port, String databaseName) {
    String database = databaseName == null ? "" : databaseName;
    return "jdbc:mysql://" + host + ":" + port + "/" + database + "?" + PARAMETERS;
  }
}
