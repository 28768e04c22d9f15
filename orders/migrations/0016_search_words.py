"""The buyer search's word index: PostgreSQL's built-in full-text search, no extension needed.

`orders_search_words(billing name, buyer first name, buyer last name, buyer email)` is the
words of an order's buyer as a tsvector: the name the list shows (the billing name, else the
buyer's) and the email address before the "@", lower-cased, accents dropped (é -> e, ø -> o),
punctuation a word break; a name with an apostrophe counts both ways ("O'Brien" gives "o",
"brien" and "obrien"). `orders_search_prefixes(text)` turns what someone typed, by the same
rule, into "every word is the start of a word" ('john':* & 'smi':*). A GIN index on the words
answers a search from the index; orders/search.py builds the index's own expression, so the
planner can use it.

The functions are IMMUTABLE (the index depends on it): a different rule needs new functions
and a new index, never CREATE OR REPLACE of these. They are plain expressions, which
PostgreSQL inlines, and text that is all ASCII skips the Unicode work: evaluating the words of
a row costs a few microseconds when the planner walks the list's order and checks each row.

The index is built CONCURRENTLY (order writes go on meanwhile), then the table is analyzed so
the planner has the words' statistics at once (ANALYZE blocks no reads or writes; it samples
150,000 rows, see NAME_INDEX below). About a minute at a million orders on 2 shared cores.
"""

from django.db import migrations

# Apostrophes (ASCII, right single quotation mark, modifier letter) join a name's parts.
APOSTROPHES = "'\u2019\u02bc"
# Characters PostgreSQL's text parser keeps inside a token (a host "john.smith", a hyphenated
# "smith-jones", a path, a tag): here they separate words, as all others do.
JOINERS = ".-/@<>&:"
# Letters without a Unicode decomposition, folded by hand after NFKD.
UNDECOMPOSED, UNDECOMPOSED_PLAIN = "\u00f8\u0142\u0111\u0127\u0167\u0131", "oldhti"


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def folded(text: str) -> str:
    """SQL for `text` lower-cased with accents dropped (é -> e, ø -> o, the ligature fi ->
    f, i); text that is all ASCII (most names) skips the Unicode work."""
    return (
        f"CASE WHEN octet_length({text}) = length({text}) THEN lower({text}) "
        f"ELSE translate(regexp_replace(normalize(lower({text}), NFKD), "
        f"'[\\u0300-\\u036f]+', '', 'g'), {quoted(UNDECOMPOSED)}, "
        f"{quoted(UNDECOMPOSED_PLAIN)}) END"
    )


def words(text: str) -> str:
    """SQL for the tsvector of `text`: folded, the joiners spaces, each word a lexeme."""
    spaces = " " * len(JOINERS)
    return (
        "to_tsvector('simple'::regconfig, "
        f"translate({folded(text)}, {quoted(JOINERS)}, {quoted(spaces)}))"
    )


def without_apostrophes(text: str) -> str:
    return f"translate({text}, {quoted(APOSTROPHES)}, '')"


NAME = (
    "CASE WHEN btrim(coalesce(billing_name, '')) <> '' THEN billing_name "
    "ELSE coalesce(first_name, '') || ' ' || coalesce(last_name, '') END"
)
BUYER = f"(({NAME}) || ' ' || split_part(coalesce(email, ''), '@', 1))"
BUYER_BOTH_WAYS = (
    f"({BUYER} || CASE WHEN {BUYER} ~ {quoted('[' + APOSTROPHES + ']')} "
    f"THEN ' ' || {without_apostrophes(BUYER)} ELSE '' END)"
)
WORDS_FUNCTION = f"""
CREATE FUNCTION orders_search_words(
    billing_name text, first_name text, last_name text, email text
) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN {words(BUYER_BOTH_WAYS)}
"""
# What someone typed: each word (apostrophes dropped) as a prefix, all of them required; null
# when there is no word.
TYPED = without_apostrophes("coalesce(typed, '')")
PREFIXES_FUNCTION = f"""
CREATE FUNCTION orders_search_prefixes(typed text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
    SELECT string_agg(quote_literal(word) || ':*', ' & ')::tsquery
    FROM unnest(tsvector_to_array({words(TYPED)})) AS word
)
"""

INDEX = "orders_order_search_words_idx"
# Migration 0003's index on lower(billing_full_name).
NAME_INDEX = "orders_order_fullname_lower_idx"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("orders", "0015_figure_indexes")]

    operations = [
        migrations.RunSQL(
            [WORDS_FUNCTION, PREFIXES_FUNCTION],
            [
                "DROP FUNCTION IF EXISTS orders_search_prefixes(text)",
                "DROP FUNCTION IF EXISTS orders_search_words(text, text, text, text)",
            ],
        ),
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON orders_order USING gin "
            "(orders_search_words(billing_full_name, buyer_first_name, buyer_last_name, "
            "buyer_email))",
            f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}",
        ),
        # Steady estimates for "billing name contains" (the query language's $contains and
        # $startsWith, on lower(billing_full_name)): with the default 100 histogram buckets over
        # ~3,500 names, whether a common last name lands in any bucket is luck, so one ANALYZE
        # estimates "smith" at 40,000 orders and the next at 99 (and the list then counts
        # them under its time limit and shows "about 99"). 500 buckets keep it within ~30%.
        migrations.RunSQL(
            f"ALTER INDEX {NAME_INDEX} ALTER COLUMN 1 SET STATISTICS 500",
            f"ALTER INDEX {NAME_INDEX} ALTER COLUMN 1 SET STATISTICS -1",
        ),
        migrations.RunSQL("ANALYZE orders_order", migrations.RunSQL.noop),
    ]
