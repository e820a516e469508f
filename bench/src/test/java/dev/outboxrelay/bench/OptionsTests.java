package dev.outboxrelay.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTests {

  @Test
  void theDefaultsRunEveryPhaseButDebeziumAndScalingWithTheBinaryLogOn() {
    Options options = Options.parse(new String[0]);

    assertThat(Options.PHASES)
        .allMatch(tag -> options.runs(tag) == !Set.of("1d", "1o", "5", "6", "7").contains(tag));
    assertThat(options.shapes())
        .extracting(KeyShape::name)
        .containsExactly("10", "1000", "10000", "100000", "zipf");
    assertThat(options.binlogConfig()).contains("log_bin=").contains("sync_binlog=0");
    assertThat(options.repeat()).isEqualTo(1);
    assertThat(options.whatIf()).isTrue();
    assertThat(options.relayJar()).isEqualTo(Path.of(RelayJar.DEFAULT_JAR));
    assertThat(options.baselineJar()).isNull();
    assertThat(options.rates()).containsExactly(1_000, 1_500, 2_000);
    assertThat(options.steadySeconds()).isEqualTo(120);
  }

  @Test
  void aBaselineJarAddsItsDrainBesideTheJars(@TempDir Path dir) throws Exception {
    Path jar = java.nio.file.Files.createFile(dir.resolve("old.jar"));
    Options options = Options.parse(new String[] {"--baseline-jar=" + jar});

    assertThat(options.baselineJar()).isEqualTo(jar);
    assertThat(options.runs("1o")).isTrue();
    assertThat(Options.parse(new String[] {"--phases=1j,1o", "--baseline-jar=" + jar}).runs("1j"))
        .isTrue();
    assertRefused("--baseline-jar=" + dir.resolve("nope.jar"), "no file at", "nope.jar");
  }

  @Test
  void namedPhasesRunAloneAndNamingDebeziumsPhaseRunsIt() {
    Options options = Options.parse(new String[] {"--phases=1,1d,5", "--repeat=3"});

    assertThat(Options.PHASES).filteredOn(options::runs).containsExactly("1", "1d", "5");
    assertThat(options.repeat()).isEqualTo(3);
    assertThat(Options.parse(new String[] {"--debezium"}).runs("1d")).isTrue();
  }

  @Test
  void shapesAreTakenInOrderAndAnUnknownOneIsRefusedNamingTheShapesThereAre() {
    Options options = Options.parse(new String[] {"--phases=6", "--shapes=zipf,100"});

    assertThat(options.shapes()).containsExactly(KeyShape.of("zipf"), new KeyShape("100", 100, 0));
    assertThat(options.runs("6")).isTrue();
    assertThat(options.shapeRows()).isEqualTo(100_000);
    assertThat(Options.parse(new String[] {"--shape-rows=200000"}).shapeRows()).isEqualTo(200_000);
    assertThatThrownBy(() -> Options.parse(new String[] {"--shape-rows=12345"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--shape-rows=12345: give a multiple of 1000");
    assertThatThrownBy(() -> Options.parse(new String[] {"--shapes=10,skewed"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--shapes=10,skewed: no key shape 'skewed'")
        .hasMessageContaining("zipf");
  }

  @Test
  void theSteadyStatesRatesAndWindowAreTakenInOrderAndBadOnesRefused() {
    Options options =
        Options.parse(new String[] {"--phases=7", "--rates=5000,1000", "--steady-seconds=20"});

    assertThat(Options.PHASES).filteredOn(options::runs).containsExactly("7");
    assertThat(options.rates()).containsExactly(5_000, 1_000);
    assertThat(options.steadySeconds()).isEqualTo(20);
    assertRefused("--rates=abc", "--rates=abc: 'abc' is not a rate", "1 to 100000");
    assertRefused("--rates=1000,", "'' is not a rate");
    assertRefused("--rates=0", "'0' is not a rate");
    assertRefused("--rates=100001", "'100001' is not a rate");
    assertRefused("--steady-seconds=0", "--steady-seconds=0: give the measured seconds", "10 to");
    assertRefused("--steady-seconds=9", "10 to 3600");
    assertRefused("--steady-seconds=3601", "10 to 3600");
    assertRefused("--steady-seconds=x", "10 to 3600");
  }

  @Test
  void valuesAreTakenAsGiven() {
    Options options =
        Options.parse(
            new String[] {
              "--binlog=off",
              "--no-what-if",
              "--relay-jdbc=cachePrepStmts=true,prepStmtCacheSize=64",
              "--relay-jar=/tmp/r.jar"
            });

    assertThat(options.binlogConfig()).isEmpty();
    assertThat(options.whatIf()).isFalse();
    assertThat(options.relayJdbc())
        .isEqualTo(Map.of("cachePrepStmts", "true", "prepStmtCacheSize", "64"));
    assertThat(options.relayJar()).isEqualTo(Path.of("/tmp/r.jar"));
    assertThat(Options.parse(new String[] {"--sync-binlog"}).binlogConfig())
        .contains("sync_binlog=1");
  }

  @Test
  void badInputIsRefusedNamingTheOptionAndWhatItTakes() {
    assertRefused("--debezum", "unknown option '--debezum'", "--debezium");
    assertRefused("--phases=nonsense", "no phase 'nonsense'", "1, 1j, 1o, 1r");
    assertRefused("--phases=", "no phase ''");
    assertRefused("--phases=1,,4", "no phase ''");
    assertRefused("--repeat=0", "1 to 9");
    assertRefused("--repeat=10", "1 to 9");
    assertRefused("--repeat=abc", "1 to 9");
    assertRefused("--binlog=maybe", "--binlog=on or --binlog=off");
    assertRefused("--relay-jdbc=garbage", "'garbage' is not name=value");
    assertRefused("--relay-jdbc=a=", "'a=' is not name=value");
    assertRefused("--relay-jar=", "path of a relay jar");
    assertRefused("--baseline-jar=", "path of a relay jar");
    assertRefused("--phases=1o", "needs --baseline-jar=PATH");
    assertThatThrownBy(() -> Options.parse(new String[] {"--binlog=off", "--sync-binlog"}))
        .hasMessageContaining("--sync-binlog needs the binary log");
  }

  private static void assertRefused(String arg, String... says) {
    assertThatThrownBy(() -> Options.parse(new String[] {arg}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(says);
  }
}
