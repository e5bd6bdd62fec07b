"""Run checks with spidermon: the signs that a scheduled run failed.

A run that finds nothing new is a success. A run fails when it was
interrupted or did not finish normally, when the site cannot be reached, when
article pages were fetched but none yielded an article, or when, over enough
articles to judge, a field is found too rarely: the sign that the site changed
its template and extraction silently broke. With several sites, each is
judged on its own and named.
"""

from __future__ import annotations

import warnings

from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action

from parknews.config import ParknewsConfig
from parknews.outcome import interruption, run_failure, site_failure
from parknews.sites import Site, site_stat

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
    """Each site of the run is reached, and its article pages yield articles:
    the site that broke is named, whatever the others did."""

    @monitors.name("reachable")
    def test_site_is_reachable(self) -> None:
        stats = dict(self.data.stats)
        failures = [run_failure(stats)] if run_failure(stats) else []
        if len(self._sites) > 1:
            failures += [f"site {s.name!r}: {why}" for s in self._sites if (why := site_failure(stats, s.name))]
        if failures:
            self.fail("; ".join(failures))

    @monitors.name("articles extracted")
    def test_article_pages_yield_articles(self) -> None:
        broken = []
        for site in self._sites:
            fetched = self.data.stats.get(site_stat(site.name, "article_pages_fetched"), 0)
            if fetched and not self.data.stats.get(site_stat(site.name, "pages/article"), 0):
                broken.append(f"site {site.name!r}: {fetched} article pages fetched, none yielded an article")
        if broken:
            self.fail(f"{'; '.join(broken)}: has the template changed?")

    @property
    def _sites(self) -> tuple[Site, ...]:
        return getattr(self.data.crawler.spider, "sites", ())


@monitors.name("Coverage")
class CoverageMonitor(Monitor):
    """Each site's articles carry the fields its profile expects (``coverage``),
    judged only over enough articles, one line naming site and field."""

    @monitors.name("field coverage per site")
    def test_field_coverage_per_site(self) -> None:
        minimum = ParknewsConfig.from_crawler(self.data.crawler).coverage_min_articles
        stats = self.data.stats
        low = []
        for site in getattr(self.data.crawler.spider, "sites", ()):
            exported = int(stats.get(site_stat(site.name, "articles"), 0))
            if exported < max(minimum, 1):
                continue
            fields = []
            for name, needed in site.coverage.items():
                share = 1 - int(stats.get(site_stat(site.name, f"missing/{name}"), 0)) / exported
                if share < needed:
                    fields.append(f"{name} in {share:.0%} of articles (needs {needed:.0%})")
            if fields:
                low.append(f"on site {site.name!r} over {exported} articles: {'; '.join(fields)}")
        if low:
            self.fail(f"field coverage too low {' | '.join(low)}: has the template changed?")


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
