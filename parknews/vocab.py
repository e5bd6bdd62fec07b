"""The words pages are read by: labels, markers and word lists, in one place.

Labels are listed in Simplified and Traditional form (mirror sites and
Taiwanese / Hong Kong pages print the Traditional one), longest first so an
alternation takes 发布时间 before 时间. Every pattern here runs on a
document's matching keys: text already free of mojibake and pinyin glosses,
whitespace collapsed.
"""

from __future__ import annotations

import re

DATE_LABEL = (
    r"(?:发布时间|發布時間|发布日期|發布日期|发表时间|發表時間|发表日期|發表日期|"
    r"发稿时间|發稿時間|更新时间|更新時間|录入时间|錄入時間|添加时间|添加時間|时间|時間|日期|"
    r"发布于|發布於|发表于|發表於|发布|發布|posted|published)"
)
CLICK_LABEL = (
    r"(?:点击数|點擊數|点击量|點擊量|点击次数|點擊次數|点击|點擊|浏览次数|瀏覽次數|"
    r"浏览数|瀏覽數|浏览量|瀏覽量|浏览|瀏覽|阅读数|閱讀數|阅读量|閱讀量|阅读|閱讀|"
    r"人气|人氣|访问量|訪問量)"
)
SOURCE_LABEL = (
    r"(?:信息来源|資訊來源|文章来源|文章來源|新闻来源|新聞來源|稿件来源|稿件來源|本文来源|本文來源|"
    r"消息来源|消息來源|来源|來源|稿源|出处|出處)"
)
DATE = (
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:：时時]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)

DATE_RE = re.compile(DATE)
LABELLED_DATE_RE = re.compile(DATE_LABEL + r"\s*[:：]?\s*" + DATE)
#: An exact count: "1.3w" and "2万" are not one.
_COUNT = r"(\d[\d,，]*)(?![\d.]|\s*[wW万萬kK])"
CLICKS_RE = re.compile(CLICK_LABEL + r"\s*(?:[:：]|-)?\s*[(（\[]?\s*" + _COUNT)
#: "1024次阅读", "(16,543 views)": the number first, and never the end of a time ("09:00 阅读").
CLICKS_AFTER_RE = re.compile(
    r"(?<![\d:：.])(\d[\d,，]*)\s*(?:次阅读|次閱讀|次浏览|次瀏覽|人阅读|人閱讀|次点击|次點擊|人浏览|人瀏覽|"
    r"views?\b|reads?\b|hits\b)",
    re.IGNORECASE,
)
#: A label whose number a script fills in: "点击数:" or "阅读" at the end of the
#: info row or before the next label ("阅读 来源：…").
CLICK_LABEL_RE = re.compile(CLICK_LABEL + r"(?:\s*[:：]|(?=\s*$|\s+\S{1,6}[:：]|\s*[|｜]))")
#: A counter script's URL.
COUNTER_SRC_RE = re.compile(r"count|click|hits?\b|views?\b|pv\.", re.I)
#: The 来源 label and what follows it: "来源：人民网", "来源于国家统计局", "来源CSDN", "来自: 互联网";
#: without a colon only 来源 itself, before a Latin name or a bracket (出处 is a word of prose too).
SOURCE_RE = re.compile(
    r"(?:" + SOURCE_LABEL + r"\s*(?:于|於)?\s*[:：|｜]|(?:来源|來源)(?:于|於)?(?=\s*[A-Za-z\[【])|来源于|來源於"
    r"|(?:来自|來自|转载自|轉載自|转自|轉自)\s*[:：])\s*(\S.*)"
)
#: Where a source's name ends: the next label, a date, a separator.
SOURCE_END_RE = re.compile(
    r"\s|[|｜/,，;；。]|作者|编辑|編輯|责任编辑|記者|记者|(?:时间|時間|日期)\s*[:：]|(?:发布|發布)(?:时间|時間|日期|于|於|[:：])|"
    r"点击|點擊|阅读|閱讀|浏览|瀏覽|字号|字號|分享|评论|評論|参与|參與|(?:19|20)\d\d[-/.年]|\d{1,2}:\d\d"
)
BREADCRUMB_MARK_RE = re.compile(
    r"(?:当前位置|當前位置|您的位置|你的位置|所在位置|现在的位置|現在的位置|当前页面|位置)\s*[:：]?\s*"
)
CRUMB_SPLIT_RE = re.compile(r"\s*(?:>|&gt;|›|»|→|/|\\|＞|》)\s*")
#: Breadcrumb parts that name no section.
HOME_WORDS = frozenset(
    {
        "首页",
        "首頁",
        "主页",
        "主頁",
        "网站首页",
        "網站首頁",
        "home",
        "Home",
        "正文",
        "详情",
        "詳情",
        "内容",
        "內容",
        "正文内容",
    }
)
#: What a site calls its news centre, the page above the category lists.
NEWS_HUB_LABELS = frozenset(
    {"新闻中心", "新聞中心", "文章中心", "新闻资讯", "新聞資訊", "资讯中心", "資訊中心", "新闻动态", "新聞動態"}
)
NEXT_LABELS = frozenset({"下一页", "下一頁", "下页", "下頁", "后页", "後頁", "next", "Next", "›", "»", ">"})
LAST_LABELS = frozenset({"末页", "末頁", "尾页", "尾頁", "最后一页", "最後一頁", "last", "Last"})

#: Lines that are never article text, wherever they sit.
JUNK_LINE_RE = re.compile(
    r"^[【\[(（]?\s*(?:上一篇|下一篇|上一条|下一条|上一頁|上一页|下一页|下一頁|分享到|分享|打印|关闭|關閉|返回顶部|返回頂部|"
    r"字号|字體|字体|责任编辑|責任編輯|编辑|編輯|责编|責編|校对|校對|审核|審核|美编|美編|监制|監製|统筹|統籌|"
    r"关键词|關鍵詞|标签|標籤|tags?|扫一扫|掃一掃|"
    r"#\s*re\s*:|re\s*:|trackback|回复|回覆)\s*[:：]?",
    re.IGNORECASE,
)
#: Lines that are page furniture by what they say: rights, disclaimers, registrations.
BOILER_LINE_RE = re.compile(
    r"版权所有|版權所有|copyright|all rights reserved|©|ICP备|ICP證|ICP证|公网安备|公網安備|"
    r"^(?:特别|平台|免责|免責|版权|版權|郑重|鄭重)?(?:声明|聲明)|免责声明|免責聲明|"
    r"未经(?:许可|授权|允许)[,，]?(?:不得|禁止)(?:转载|使用)|未經(?:許可|授權)[,，]?不得轉載|"
    r"(?:禁止|严禁|请勿|嚴禁|請勿)转载|(?:禁止|嚴禁|請勿)轉載|转载请注明|轉載請註明|"
    r"仅代表(?:作者|该作者|本人|该机构)|僅代表(?:作者|本人)|不代表本(?:站|网|網|平台)|"
    r"仅提供信息(?:存储|发布)|僅提供資訊|信息存储(?:空间)?服务",
    re.IGNORECASE,
)
#: A notice announces itself first: a disclaimer is one at any length.
NOTICE_START_RE = re.compile(
    r"^[【\[(（]?\s*(?:免责声明|免責聲明|版权声明|版權聲明|特别声明|特別聲明|郑重声明|鄭重聲明|平台声明|平台聲明|声明|聲明)\s*[】\])）]?\s*[:：]"
)
#: Headings of what follows an article — related lists, comments — where its text has certainly ended.
SECTION_BREAK_RE = re.compile(
    r"^[【\[]?\s*(?:相关|相關|热门|熱門|推荐|推薦|最新|延伸|更多|猜你|您可能|你可能|网友|網友|全部|热点|熱點|精彩)"
    r"(?:文章|阅读|閱讀|新闻|新聞|推荐|推薦|内容|內容|报道|報導|链接|鏈接|评论|評論|留言|喜欢|喜歡|感兴趣|感興趣|(?:还|還|也)?想看|也喜欢|也喜歡|点阅|點閱|点击|點擊|排行)"
    r"|^(?:发表|發表|查看|我要)(?:评论|評論)|已有\s*\d+\s*[件条個个]?(?:评论|評論)|^(?:评论|評論|留言)\s*[(（]\s*\d"
    r"|^\d[\d,]*\s*[件条則则個个]\s*(?:评论|評論|留言)"
    r"|^(?:参考文献|參考文獻|参考资料|參考資料|references|bibliography)\s*[:：]?$",
    re.IGNORECASE,
)
#: Promotion a site appends to its articles: its app, its newsletter, its account.
PROMO_LINE_RE = re.compile(
    r"(?:下载|下載|打开|打開).{0,8}(?:APP|App|app|客户端|客戶端)|用\s*APP|扫码|掃碼|扫一扫|掃一掃|扫描.{0,6}二维码|"
    r"回复【|回覆【|点【在看】|點【在看】|"
    r"关注(?:我们|我們|公众号|公眾號|微信)|欢迎(?:加入|订阅|关注)|邮件列表|點我下載|点我下载|"
    r"阅读全文|閱讀全文|请先\s*登录|請先\s*登入|登录后|登入後",
)
SOURCE_LINE_RE = re.compile(r"^[【\[(（]?\s*" + SOURCE_LABEL + r"\s*[:：]")
#: Punctuation that marks prose: a line with it is a sentence, not a menu.
PROSE_PUNCT = frozenset("，。；！？、,;…”")
