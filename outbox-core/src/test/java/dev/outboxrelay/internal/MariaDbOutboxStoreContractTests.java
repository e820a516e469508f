package dev.outboxrelay.internal;

import dev.outboxrelay.testsupport.TestDatabase;
import dev.outboxrelay.testsupport.TestServers;
import javax.sql.DataSource;

/** The store contract on the test server: MariaDB 11.4 (or MySQL 8.4 with Testcontainers). */
class MariaDbOutboxStoreContractTests extends OutboxStoreContractTests {
  private TestDatabase database;

  @Override
  protected DataSource createDatabase() {
    database = TestServers.database().createDatabase("store");
    database.runScript(OutboxSchema.mysqlScripts());
    return database.dataSource();
  }

  @Override
  protected void dropDatabase() {
    database.close();
  }
}
