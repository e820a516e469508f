package dev.outboxrelay.relay.boot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CheckBackDataSourcesTests {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "jdbc:mysql://orders-db:3306/orders",
        "jdbc:mysql://orders-db",
        "jdbc:mysql://orders-db?socketTimeout=1000,2000",
        "jdbc:mysql://(host=orders-db,port=3306,sslMode=REQUIRED)/orders",
        "jdbc:mysql://address=(host=orders-db)(port=3306)/orders"
      })
  void oneServerIsAccepted(String url) {
    assertThat(CheckBackDataSources.oneServer(url)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "jdbc:mysql:replication://primary,replica/orders",
        "jdbc:mysql:loadbalance://db1,db2/orders",
        "jdbc:mysql+srv://_mysql._tcp.orders/orders",
        "jdbc:mysql://primary,replica/orders",
        "jdbc:mysql://[primary,replica]/orders",
        "jdbc:mysql://(host=primary,port=3306),(host=replica,port=3306)/orders",
        "jdbc:mysql://address=(host=primary),address=(host=replica)/orders"
      })
  void severalServersAreRefused(String url) {
    assertThat(CheckBackDataSources.oneServer(url)).isFalse();
  }
}
