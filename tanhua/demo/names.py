"""Syllables for the fictional demo province, and the real names it must never produce.

Place names are composed from first syllables that real county-level and higher names in
China practically never use, so a generated name is an invention, not a real place with a
typo. The deny lists below are checked on every draw (and again by the tests), so a name
that happens to coincide with a well-known real place or person is redrawn.
"""

from __future__ import annotations

PROVINCE_STEM = "青岚"

# Rare first syllables: no real province, prefecture or county name we know begins so.
PLACE_FIRST = (
    "蘅",
    "蓼",
    "菁",
    "萸",
    "茗",
    "芊",
    "漪",
    "璇",
    "翎",
    "翊",
    "黛",
    "绮",
    "缨",
    "芷",
    "蕙",
    "棠",
    "杉",
    "苇",
    "鹤",
    "雁",
    "岚",
    "汀",
    "湄",
    "楸",
    "椿",
    "荇",
    "蘋",
    "筠",
    "棣",
    "蔷",
    "珂",
    "琬",
    "瑾",
    "萦",
    "澈",
    "沄",
)
PLACE_SECOND = (
    "溪",
    "岭",
    "川",
    "源",
    "湾",
    "泽",
    "浦",
    "峰",
    "坪",
    "塘",
    "湖",
    "洲",
    "岗",
    "原",
    "渡",
    "桥",
    "堰",
    "潭",
    "屿",
    "谷",
    "埠",
    "汊",
    "坞",
    "墩",
    "滨",
    "陂",
)

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"
)
# Given names are always two syllables: most well-known officials' given names are not
# drawn from these pools, and the deny list catches the rest.
GIVEN_FIRST_MALE = "志建国文明永海立振庆德宏俊家学思承启修嘉鸿致卫远维敬松光书长新彦"
GIVEN_SECOND_MALE = "涛峰磊刚平军辉林杰宁安成坤炜锋岩亮川舟航毅恒昊然诚源澄钧铭渊翔朗屹骞"
GIVEN_FIRST_FEMALE = "秀丽慧静玉春晓雪美佳婉嘉淑海月若思雅心梦素晴"
GIVEN_SECOND_FEMALE = "芳娟敏燕琳霞玲婷萍洁兰君颖欣蕾薇岚妍菲瑶琴荷"

# Real places the demo must not name: provinces, every prefecture-level city, Anhui's
# counties (the seed report is about Anhui), and real names our syllables could form.
REAL_PROVINCES = frozenset(
    "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 "
    "湖北 湖南 广东 广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 台湾 香港 "
    "澳门".split()
)
REAL_PREFECTURES = frozenset(
    "石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 太原 大同 阳泉 长治 晋城 "
    "朔州 晋中 运城 忻州 临汾 吕梁 呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 "
    "乌兰察布 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛 长春 "
    "四平 辽源 通化 白山 松原 白城 延边 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 "
    "七台河 牡丹江 黑河 绥化 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 "
    "宿迁 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 合肥 芜湖 蚌埠 淮南 马鞍山 "
    "淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城 福州 厦门 莆田 三明 泉州 漳州 "
    "南平 龙岩 宁德 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶 济南 青岛 淄博 "
    "枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 郑州 开封 洛阳 平顶山 "
    "安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 武汉 黄石 十堰 "
    "宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 "
    "张家界 益阳 郴州 永州 怀化 娄底 湘西 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 "
    "惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮 南宁 柳州 桂林 梧州 北海 防城港 "
    "钦州 贵港 玉林 百色 贺州 河池 来宾 崇左 海口 三亚 三沙 儋州 成都 自贡 攀枝花 泸州 德阳 "
    "绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳 阿坝 甘孜 凉山 贵阳 "
    "六盘水 遵义 安顺 毕节 铜仁 昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 楚雄 红河 文山 "
    "西双版纳 大理 德宏 怒江 迪庆 拉萨 日喀则 昌都 林芝 山南 那曲 西安 铜川 宝鸡 咸阳 渭南 "
    "延安 汉中 榆林 安康 商洛 兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 "
    "临夏 甘南 西宁 海东 银川 石嘴山 吴忠 固原 中卫 乌鲁木齐 克拉玛依 吐鲁番 哈密 昌吉 喀什 "
    "和田 伊犁 塔城 阿勒泰".split()
)
REAL_COUNTIES = frozenset(
    # Anhui
    "天长 明光 来安 全椒 定远 凤阳 南谯 琅琊 肥东 肥西 长丰 庐江 巢湖 无为 繁昌 南陵 湾沚 "
    "怀远 五河 固镇 凤台 寿县 当涂 含山 和县 濉溪 枞阳 桐城 潜山 怀宁 太湖 宿松 望江 岳西 "
    "歙县 休宁 黟县 祁门 屯溪 黄山 徽州 界首 临泉 太和 阜南 颍上 砀山 萧县 灵璧 泗县 霍邱 "
    "舒城 金寨 霍山 涡阳 蒙城 利辛 东至 石台 青阳 郎溪 广德 泾县 绩溪 旌德 宁国 "
    # elsewhere, formable from the syllables above or close to them
    "鹤峰 鹤山 鹤庆 湄潭 松溪 青川 兰溪 桃源 竹溪 芦溪 柳林 荷塘 兰坪 青原 云溪 云林 青浦 "
    "鹤城 雁塔 雁江 雁峰 岚县 岚皋 汀州 棠溪 杉林 苇河 蕙兰 茗岭 篁岭 翠峦 沅江 璧山 筠连 "
    "珂川 湄洲".split()
)
# People the demo must never name: the seed report's, and well-known officials.
REAL_PEOPLE = frozenset(
    "左翰嫡 杨振超 陈树隆 周春雨 柯常松 孙自权 郑斌 任一林 马昌 "
    "习近平 李强 赵乐际 王沪宁 蔡奇 丁薛祥 李希 李克强 汪洋 韩正 栗战书 王岐山 胡锦涛 "
    "温家宝 江泽民 朱镕基 李鹏 吴邦国 贾庆林 李长春 贺国强 周永康 曾庆红 "
    "李鸿忠 何卫东 何立峰 张又侠 陈文清 陈吉宁 陈敏尔 袁家军 黄坤明 尹力 石泰峰 刘国中 王毅 "
    "马兴瑞 李干杰 李书磊 张国清 刘鹤 孙春兰 胡春华 杨洁篪 陈全国 郭声琨 "
    "梁言顺 韩俊 王清宪 郑栅洁 李锦斌 王学军 李国英 刘惠 王晓东 孙金龙 程丽华 虞爱华 "
    "张韵声 李国英 张宝顺 王三运 李斌 王金山 卢展工 王太华 回良玉 孟富林 刘家义".split()
)
DENIED_PLACE_STEMS = REAL_PROVINCES | REAL_PREFECTURES | REAL_COUNTIES


def place_is_denied(stem: str) -> bool:
    """True when a place stem is, contains or is contained in a denied real name."""
    return any(real in stem or stem in real for real in DENIED_PLACE_STEMS if len(real) >= 2)
