"""Decoding an uploaded CSV: UTF-8 (with or without BOM), UTF-16/32 with a BOM, or GB18030
(what Excel on Chinese Windows writes). Anything else is refused naming the encoding the
file seems to be in, never read as mojibake.

GB18030 decodes almost any byte string, so a Big5 file (traditional Chinese, e.g. from Hong
Kong or Taiwan) would be read as plausible-looking nonsense (陳國華 → 朝瓣地). When the bytes
are valid Big5 too, both readings are weighed: how many characters of the GB reading are
common simplified characters, against how many characters of the Big5 reading are common
*traditional-only* characters plus how many of the GB reading are no plausible simplified
text at all (kana, Cyrillic, box drawing, extension ideographs).
"""

from __future__ import annotations

import codecs

# About 900 of the most frequent characters, in simplified and in traditional writing
# (the same frequency list in both scripts, so neither reading is favoured).
SIMPLIFIED_COMMON = frozenset(
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之"
    "年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样"
    "理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将"
    "两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信"
    "表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔"
    "更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统"
    "区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品"
    "住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根"
    "干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流"
    "备兵连调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越"
    "器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突"
    "专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态"
    "护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故"
    "按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职"
    "速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤"
    "素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略"
    "范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚"
    "善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶"
    "块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序"
    "升监临亮露永呼味野架域沙掉括舰鱼杂误汤"
)
TRADITIONAL_COMMON = frozenset(
    "的一是不了在人有我他這個們中來上大為和國地到以說時要就出會可也你對生能而子那得於著下自之"
    "年過發後作裡用道行所然家種事成方多經麼去法學如都同現當沒動面起看定天分還進好小部其些主樣"
    "理心她本前開但因只從想實日軍者意無力它與長把機十民第公此已工使情明性知全三又關點正業外將"
    "兩高間由問很最重並物手應戰向頭文體政美相見被利什二等產或新己制身果加西斯月話合回特代內信"
    "表化老給世位次度門任常先海通教兒原東聲提立及比員解水名真論處走義各入幾口認條平系氣題活爾"
    "更別打女變四神總何電數安少報才結反受目太量再感建務做接必場件計管期市直德資命山金指克許統"
    "區保至隊形社便空決治展馬科司五基眼書非則聽白卻界達光放強即像難且權思王象完設式色路記南品"
    "住告類求據程北邊死張該交規萬取拉格望覺術領共確傳師觀清今切院讓識候帶導爭運笑飛風步改收根"
    "幹造言聯持組每濟車親極林服快辦議往元英士證近失轉夫令準布始怎呢存未遠叫台單影具羅字愛擊流"
    "備兵連調深商算質團集百需價花黨華城石級整府離況亞請技際約示復病息究線似官火斷精滿支視消越"
    "器容照須九增研寫稱企八功嗎包片史委乎查輕易早曾除農找裝廣顯吧阿李標談吃圖念六引歷首醫局突"
    "專費號盡另周較注語僅考落青隨選列武紅響雖推勢參希古眾構房半節土投某案黑維革劃敵致陳律足態"
    "護七興派孩驗責營星夠章音跟志底站嚴巴例防族供效續施留講型料終答緊黃絕奇察母京段依批群項故"
    "按河米圍江織害鬥雙境客紀採舉殺攻父蘇密低朝友訴止細願千值仍男錢破網熱助倒育屬坐帝限船臉職"
    "速刻樂否剛威毛狀率甚獨球般普怕彈校苦創假久錯承印晚蘭試股拿腦預誰益陽若哪微尼繼送急血驚傷"
    "素藥適波夜省初喜衛源食險待述陸習置居勞財環排福納歡雷警獲模充負雲停木遊龍樹疑層冷洲衝射略"
    "範竟句室異激漢村哈策演簡卡罪判擔州靜退既衣您宗積餘痛檢差富靈協角佔配征修皮揮勝降階審沉堅"
    "善媽劉讀啊超免壓銀買皇養伊懷執副亂抗犯追幫宣佛歲航優怪香著田鐵控稅左右份穿藝背陣草腳概惡"
    "塊頓敢守酒島托央戶烈洋哥索胡款靠評版寶座釋景顧弟登貨互付伯慢歐換聞危忙核暗姐介壞討麗良序"
    "升監臨亮露永呼味野架域沙掉括艦魚雜誤湯縣"
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SAVE_AS = "请另存为 UTF-8 或 GB18030 编码后重新导入"


class Undecodable(Exception):
    """The file's bytes are not text in an encoding we read; the message says which it
    seems to be in and what to do."""


def decode(data: bytes) -> str:
    """The text of a CSV file, or Undecodable with a message for the user."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise Undecodable(
                    f"文件以 {_name(encoding)} 标记开头，但内容无法按该编码读取：{SAVE_AS}"
                ) from None
    # Before UTF-8: ASCII in UTF-16 is valid UTF-8 too, with a NUL in every other byte.
    if _looks_like_utf16(data):
        raise Undecodable(
            "文件似乎是不带字节顺序标记（BOM）的 UTF-16 编码，无法可靠读取：" + SAVE_AS
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise Undecodable("无法识别文件编码：" + SAVE_AS) from None
    if _more_plausible_as_big5(data, text):
        raise Undecodable("文件似乎是 Big5（繁体中文）编码，按此读取会成为乱码：" + SAVE_AS)
    return text


def _name(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}[encoding]


def _looks_like_utf16(data: bytes) -> bool:
    """Mostly-ASCII text in UTF-16 has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.3


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _plausible_gb(ch: str) -> bool:
    """A character simplified text is made of, by where GB18030 puts it: punctuation and
    full-width forms (rows A1–A3), pinyin letters (row A8) and GB2312 hanzi (rows B0–F7).
    Kana, Greek, Cyrillic, box drawing, the extension ideographs and the private use area
    are what Big5 bytes turn into."""
    code = ch.encode("gb18030")
    if len(code) != 2 or code[1] < 0xA1:
        return False
    return code[0] <= 0xA3 or code[0] == 0xA8 or 0xB0 <= code[0] <= 0xF7


def _more_plausible_as_big5(data: bytes, gb_text: str) -> bool:
    try:
        big5_text = data.decode("big5")
    except UnicodeDecodeError:
        return False
    simplified = 0
    implausible = 0
    for ch in gb_text:
        if ch < "\x80":
            continue
        if ch in SIMPLIFIED_COMMON:
            simplified += 1
        elif "\ue000" <= ch <= "\uf8ff":
            implausible += 2  # no saved text holds the private use area
        elif not _plausible_gb(ch):
            implausible += 1
    traditional = sum(1 for ch in big5_text if ch in TRADITIONAL_COMMON and not _in_gb2312(ch))
    evidence = traditional + implausible
    return evidence >= 2 and evidence > simplified
