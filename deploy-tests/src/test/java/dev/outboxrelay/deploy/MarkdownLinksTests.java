package dev.outboxrelay.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every link of the project's Markdown pages stays inside the repository and lands: its file (or
 * folder) exists and, when it names an anchor, that page has a heading with that anchor by GitHub's
 * rules (lower case, punctuation dropped, spaces to '-', '-1', '-2' for repeats) or an {@code <a
 * id>}. Text moved between pages cannot leave a dead link behind.
 */
class MarkdownLinksTests {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern FENCE = Pattern.compile("(?ms)^\\s*```.*?^\\s*```[^\\n]*$");
  private static final Pattern CODE_SPAN = Pattern.compile("`[^`\\n]*`");
  private static final Pattern LINK = Pattern.compile("\\[[^\\]\\n]*]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.+?)\\s*#*\\s*$");
  private static final Pattern HTML_ANCHOR = Pattern.compile("<a (?:id|name)=\"([^\"]+)\"");
  private static final Pattern INLINE_LINK = Pattern.compile("\\[([^\\]]*)]\\([^)]*\\)");

  private final Map<Path, Set<String>> anchors = new HashMap<>();

  @Test
  void everyRelativeLinkPointsToAnExistingFileAndHeading() throws IOException {
    List<Path> pages = pages();
    assertThat(pages).contains(ROOT.resolve("README.md"), ROOT.resolve("docs/design.md"));
    List<String> dead = new ArrayList<>();
    for (Path page : pages) {
      Matcher link = LINK.matcher(prose(Files.readString(page)));
      while (link.find()) {
        String problem = check(page, link.group(1));
        if (problem != null) {
          dead.add(ROOT.relativize(page) + ": " + link.group(1) + ": " + problem);
        }
      }
    }
    assertThat(dead).isEmpty();
  }

  private String check(Path page, String target) {
    if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      return "points outside the repository";
    }
    int hash = target.indexOf('#');
    String file = hash < 0 ? target : target.substring(0, hash);
    Path linked = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
    if (!linked.startsWith(ROOT) || !Files.exists(linked)) {
      return "no such file";
    }
    if (hash < 0) {
      return null;
    }
    if (!linked.toString().endsWith(".md")) {
      return "an anchor into a file that is not Markdown";
    }
    return anchorsOf(linked).contains(target.substring(hash + 1)) ? null : "no such heading";
  }

  private Set<String> anchorsOf(Path page) {
    return anchors.computeIfAbsent(
        page,
        p -> {
          try {
            String text = Files.readString(p);
            Set<String> found = new HashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            Matcher heading = HEADING.matcher(FENCE.matcher(text).replaceAll(""));
            while (heading.find()) {
              String slug = slug(heading.group(1));
              int repeats = seen.merge(slug, 1, Integer::sum) - 1;
              found.add(repeats == 0 ? slug : slug + "-" + repeats);
            }
            Matcher html = HTML_ANCHOR.matcher(text);
            while (html.find()) {
              found.add(html.group(1));
            }
            return found;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /** GitHub's anchor of a heading: of its text as rendered, so a link keeps its text only. */
  static String slug(String heading) {
    String text = INLINE_LINK.matcher(heading).replaceAll("$1").replace("`", "");
    return text.toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "")
        .replace(' ', '-');
  }

  /** The page without its code blocks and code spans, where brackets are not links. */
  private static String prose(String markdown) {
    return CODE_SPAN.matcher(FENCE.matcher(markdown).replaceAll("")).replaceAll("");
  }

  private static List<Path> pages() throws IOException {
    try (Stream<Path> files = Files.walk(ROOT)) {
      return files
          .filter(p -> p.toString().endsWith(".md"))
          .filter(
              p -> {
                for (Path part : ROOT.relativize(p)) {
                  String name = part.toString();
                  if (name.startsWith(".")
                      || name.equals("target")
                      || name.equals("node_modules")) {
                    return false;
                  }
                }
                return true;
              })
          .sorted()
          .toList();
    }
  }
}
