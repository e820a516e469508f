package dev.outboxrelay.schema;

import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A database's schema as information_schema describes it, in rows of text that compare equal when
 * two databases have the same tables, columns (type, nullability, default, extra, character set,
 * collation, comment, in order), indexes (columns in order, uniqueness), constraints and checks.
 * Tables named in {@code ignored} (compared case-insensitively), such as the migration tools' own
 * history tables, are left out; so are database names, which differ by construction.
 */
record SchemaSnapshot(
    List<String> tables, List<String> columns, List<String> indexes, List<String> constraints) {

  /** The history tables of Flyway (default and the outbox's own) and of Liquibase. */
  static final Set<String> TOOL_TABLES =
      Set.of(
          "flyway_schema_history",
          "flyway_outbox_history",
          "databasechangelog",
          "databasechangeloglock");

  static SchemaSnapshot of(DataSource dataSource) {
    return of(dataSource, TOOL_TABLES);
  }

  static SchemaSnapshot of(DataSource dataSource, Set<String> ignored) {
    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
    String notIgnored =
        " AND LOWER(%s) NOT IN ('"
            + String.join("','", ignored.stream().map(String::toLowerCase).toList())
            + "')";
    return new SchemaSnapshot(
        rows(
            jdbc,
            "SELECT table_name, table_type, engine, table_collation, table_comment"
                + " FROM information_schema.tables WHERE table_schema = DATABASE()"
                + notIgnored.formatted("table_name")
                + " ORDER BY table_name"),
        rows(
            jdbc,
            "SELECT table_name, ordinal_position, column_name, column_type, is_nullable,"
                + " column_default, extra, character_set_name, collation_name, column_comment"
                + " FROM information_schema.columns WHERE table_schema = DATABASE()"
                + notIgnored.formatted("table_name")
                + " ORDER BY table_name, ordinal_position"),
        rows(
            jdbc,
            "SELECT table_name, index_name, seq_in_index, column_name, non_unique, sub_part,"
                + " collation, index_type FROM information_schema.statistics"
                + " WHERE table_schema = DATABASE()"
                + notIgnored.formatted("table_name")
                + " ORDER BY table_name, index_name, seq_in_index"),
        rows(
            jdbc,
            // MariaDB checks a JSON column with a CHECK constraint; MySQL 8's check_constraints
            // has no table_name, hence the join through table_constraints
            "SELECT tc.table_name, tc.constraint_name, tc.constraint_type, cc.check_clause"
                + " FROM information_schema.table_constraints tc"
                + " LEFT JOIN information_schema.check_constraints cc"
                + " ON cc.constraint_schema = tc.constraint_schema"
                + " AND cc.constraint_name = tc.constraint_name"
                + " WHERE tc.table_schema = DATABASE()"
                + notIgnored.formatted("tc.table_name")
                + " ORDER BY tc.table_name, tc.constraint_name"));
  }

  private static List<String> rows(JdbcTemplate jdbc, String sql) {
    return jdbc.query(
        sql,
        (rs, rowNum) -> {
          StringBuilder row = new StringBuilder();
          for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
            row.append(i == 1 ? "" : " | ").append(rs.getString(i));
          }
          return row.toString();
        });
  }
}
