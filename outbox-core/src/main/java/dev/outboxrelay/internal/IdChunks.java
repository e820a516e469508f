package dev.outboxrelay.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Lists of row ids cut for statements that name them ({@code WHERE id IN (…)}). MariaDB turns an
 * {@code IN} list of {@code in_predicate_conversion_threshold} values or more (1,000 by default)
 * into a temporary table joined to the table: measured on 11.4, a claim of 2,000 ids by primary key
 * created 2 temporary tables, sorted 2,000 rows and re-read 4,002, where statements of at most 999
 * ids read the primary key's range only. MySQL has no such conversion; the cut costs it a statement
 * or two per round.
 */
final class IdChunks {
  /** The most ids one statement names: below MariaDB's default conversion threshold. */
  static final int MAX_IDS = 999;

  private IdChunks() {}

  /**
   * {@code ids} ascending, cut into as few lists of at most {@value #MAX_IDS} as that allows, of
   * even sizes, lowest ids first (statements run in this order lock rows in id order).
   *
   * @return no list when {@code ids} is empty
   */
  static List<List<Long>> ascending(Collection<Long> ids) {
    List<Long> sorted = ids.stream().sorted().toList();
    if (sorted.isEmpty()) {
      return List.of();
    }
    int statements = (sorted.size() + MAX_IDS - 1) / MAX_IDS;
    int perStatement = (sorted.size() + statements - 1) / statements;
    List<List<Long>> chunks = new ArrayList<>(statements);
    for (int from = 0; from < sorted.size(); from += perStatement) {
      chunks.add(sorted.subList(from, Math.min(sorted.size(), from + perStatement)));
    }
    return chunks;
  }
}
