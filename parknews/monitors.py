"""Run checks with spidermon: the signs that a scheduled run failed.

A run that finds nothing new is a success. A run fails when it was
interrupted or did not finish normally, when the site cannot be reached, when
article pages were fetched but none yielded an article, or when, over enough
articles to judge, a field is found too rarely: the sign that the site changed
its template and extraction silently broke.
"""

from __future__ import annotations

import warnings

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.scrapy.monitors import FieldCoverageMonitor
from spidermon.core.actions import Action

from parknews.config import ParknewsConfig
from parknews.outcome import interruption, run_failure

# spidermon 1.27 reports through Spider.log(), deprecated in Scrapy 2.19.
warnings.filterwarnings("ignore", r"Spider\.log\(\) is deprecated", ScrapyDeprecationWarning)


@monitors.name("Finish")
class FinishMonitor(Monitor):
    """spidermon's finish-reason check, in words an operator reads at a glance:
    "interrupted by SIGINT", not the finish reason ``shutdown``."""

    @monitors.name("finished normally")
    def test_finished_normally(self) -> None:
        interrupted = interruption(dict(self.data.stats))
        if interrupted:
            self.fail(interrupted)
        reason = self.data.stats.get("finish_reason")
        expected = self.data.crawler.settings.getlist("SPIDERMON_EXPECTED_FINISH_REASONS")
        if reason not in expected:
            self.fail(f"the crawl ended early ({reason}), not as it should ({', '.join(expected)})")


@monitors.name("Site")
class SiteMonitor(Monitor):
    @monitors.name("reachable")
    def test_site_is_reachable(self) -> None:
        failure = run_failure(dict(self.data.stats))
        if failure:
            self.fail(failure)

    @monitors.name("articles extracted")
    def test_article_pages_yield_articles(self) -> None:
        fetched = self.data.stats.get("parknews/article_pages_fetched", 0)
        if fetched and not self.data.stats.get("parknews/pages/article", 0):
            self.fail(f"{fetched} article pages fetched, none yielded an article: has the site's template changed?")


@monitors.name("Coverage")
class CoverageMonitor(FieldCoverageMonitor):
    """spidermon's field coverage, judged only over enough articles, with a
    one-line message naming each field below its threshold."""

    def test_check_if_field_coverage_rules_are_met(self) -> None:
        exported = int(self.data.stats.get("item_scraped_count", 0))
        minimum = ParknewsConfig.from_crawler(self.crawler).coverage_min_articles
        if exported < minimum:
            self.skipTest(f"{exported} articles, fewer than {minimum}: coverage not judged")
        low = []
        for key, needed in self.crawler.settings.getdict("SPIDERMON_FIELD_COVERAGE_RULES").items():
            got = float(self.data.stats.get(f"spidermon_field_coverage/{key}", 0))
            if got < needed:
                low.append(f"{key.split('/')[-1]} in {got:.0%} of articles (needs {needed:.0%})")
        if low:
            self.fail(f"field coverage too low over {exported} articles: {'; '.join(low)}: has the template changed?")


class RecordFailure(Action):
    """Puts the failed checks in the stats, where the crawl command (exit
    code) and the run summary read them."""

    def run_action(self) -> None:
        reasons = [r.reason or r.error or r.item.name for r in self.result.monitors_failed_results]
        stats = self.data.crawler.stats
        previous = stats.get_value("parknews/failure")
        stats.set_value("parknews/failure", "; ".join([previous, *reasons] if previous else reasons))


class RunChecks(MonitorSuite):
    monitors = [FinishMonitor, SiteMonitor, CoverageMonitor]  # noqa: RUF012 - spidermon's API
    monitors_failed_actions = [RecordFailure]  # noqa: RUF012
