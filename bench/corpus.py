"""A synthetic corpus of technology records, the same for a given seed and size.

Titles and summaries are built from the plan's technical terms (marketplace/search/terms.txt)
and everyday technical Chinese, with English names and abbreviations mixed in the way real
listings use them (UAV、PLC、5G、Li-ion …). About two thirds of the records have an English
title. Used by bench/search_bench.py; `python -m bench.corpus 5` prints a sample.
"""
import random
import sys

from marketplace.codes import COUNTIES, FIELDS
from marketplace.search.analysis import CJK_RUN, synonym_groups, technical_terms

SEED = 20260501

ADJECTIVES = ["高效", "低成本", "智能", "绿色", "新型", "高性能", "一体化", "模块化", "低能耗",
              "大容量", "高精度", "自适应", "轻量化", "长寿命", "高可靠", "低排放", "分布式",
              "柔性", "快速", "精准"]
ADJECTIVES_EN = {"高效": "High-efficiency", "低成本": "Low-cost", "智能": "Intelligent",
                 "绿色": "Green", "新型": "Novel", "高性能": "High-performance",
                 "一体化": "Integrated", "模块化": "Modular", "低能耗": "Low-energy",
                 "大容量": "High-capacity", "高精度": "High-precision", "自适应": "Adaptive",
                 "轻量化": "Lightweight", "长寿命": "Long-life", "高可靠": "Highly reliable",
                 "低排放": "Low-emission", "分布式": "Distributed", "柔性": "Flexible",
                 "快速": "Rapid", "精准": "Precision"}
SUFFIXES = [("技术", "technology"), ("工艺", "process"), ("系统", "system"),
            ("装置", "device"), ("关键技术研究", "key technologies"), ("及其应用", "and its use"),
            ("制备技术", "preparation"), ("综合利用技术", "comprehensive utilisation"),
            ("智能监测平台", "monitoring platform"), ("成套设备", "complete equipment"),
            ("控制方法", "control method"), ("示范工程", "demonstration project"),
            ("检测方法", "testing method"), ("优化设计", "optimised design")]
METHODS = ["深度学习", "数值模拟", "有限元分析", "多传感器融合", "物联网", "大数据分析",
           "机器视觉", "数字孪生", "模糊控制", "遗传算法", "正交试验", "响应面法",
           "分子动力学模拟", "在线监测", "边缘计算"]
LATIN = ["PLC", "5G", "AI", "UAV", "BMS", "Li-ion", "GIS", "BIM", "IoT", "SCADA", "PID",
         "CFD", "LiDAR", "RFID", "MES", "ERP", "GPU", "FPGA", "NB-IoT", "LoRa"]
PROBLEMS = ["能耗高", "效率低", "成本高", "污染重", "安全风险大", "人工依赖强", "稳定性差",
            "资源利用率低", "检测精度不足", "寿命短", "运维困难", "产品附加值低"]
METRICS = ["生产效率", "能源利用率", "产品合格率", "回收率", "转化效率", "使用寿命",
           "检测准确率", "出品率", "综合能效", "设备可用率", "单位产值", "处理能力"]
PLACES = ["离石", "孝义", "汾阳", "柳林", "交城", "文水", "中阳", "兴县", "临县", "岚县",
          "方山", "石楼", "交口", "太原", "晋中", "长治"]
SITES = ["矿区", "工业园区", "示范基地", "合作社", "生产线", "电厂", "化工园区", "农业园区",
         "景区", "县域"]
APPLICATIONS = ["煤炭开采", "电力生产", "化工", "冶金", "建材", "装备制造", "交通运输",
                "农产品加工", "医药", "环保", "文化旅游", "城市管理", "新能源汽车"]
LEVELS = ["国际领先", "国际先进", "国内领先", "国内先进", "省内领先"]
CLAUSES = [
    "针对{place}地区{term}{problem}的问题，研发了{adj}{term2}{suffix}。",
    "该成果采用{method}与{term2}相结合的方法，{metric}提高{n}%以上。",
    "项目以{term}为核心，集成{latin}与{method}，实现了{term2}全过程的{adj}控制。",
    "已在{place}{site}等地推广应用，累计新增产值{money}万元。",
    "经第三方检测，{metric}达到{n}%，总体技术达到{level}水平。",
    "可广泛应用于{application}、{application2}等领域，市场前景广阔。",
    "形成发明专利{k}项、企业标准{k2}项，培养技术骨干{k3}人。",
    "通过{term}与{term2}的协同优化，单位能耗降低{n}%，{metric}显著提升。",
    "系统基于{latin}架构，支持{term}数据的实时采集、分析与预警。",
    "在{place}{site}建成{term}示范线，运行稳定，{metric}提高{n}%。",
    "解决了{term2}过程中{problem}的难题，具有{adj}、易推广的特点。",
    "本技术对{term}进行了{adj}改进，适用于{application}行业。",
]


def _english_names():
    """The first English name of each Chinese name in the synonym table."""
    names = {}
    for group in synonym_groups():
        english = [n for n in group if not CJK_RUN.search(n)]
        for name in group:
            if english and CJK_RUN.fullmatch(name):
                names.setdefault(name, english[0])
    return names


def generate(count, seed=SEED):
    """Yield `count` records: dicts with title, title_en, summary, keywords, field, county,
    maturity."""
    rng = random.Random(seed)
    terms = technical_terms()
    fields = [f for f in FIELDS if f in terms]
    everything = [t for f in fields for t in terms[f]]
    english = _english_names()
    counties = list(COUNTIES) + ["140000", "110000"]
    for _ in range(count):
        field = rng.choice(fields)
        own = terms[field]
        term, term2 = rng.choice(own), rng.choice(own if rng.random() < 0.7 else everything)
        adj = rng.choice(ADJECTIVES)
        suffix, suffix_en = rng.choice(SUFFIXES)
        if rng.random() < 0.3:
            title = f"基于{rng.choice(METHODS)}的{term}{term2}{suffix}"
        else:
            title = f"{adj}{term}{suffix}"
        title_en = ""
        if term in english and rng.random() < 0.85 or rng.random() < 0.3:
            title_en = f"{ADJECTIVES_EN[adj]} {english.get(term, 'technology')} {suffix_en}"
        values = dict(
            term=term, term2=term2, adj=rng.choice(ADJECTIVES), suffix=suffix,
            place=rng.choice(PLACES), site=rng.choice(SITES), problem=rng.choice(PROBLEMS),
            method=rng.choice(METHODS), metric=rng.choice(METRICS), latin=rng.choice(LATIN),
            application=rng.choice(APPLICATIONS), application2=rng.choice(APPLICATIONS),
            level=rng.choice(LEVELS), n=rng.randint(5, 60), money=rng.randint(50, 9000),
            k=rng.randint(1, 12), k2=rng.randint(1, 5), k3=rng.randint(3, 40))
        clauses = [CLAUSES[0]] + rng.sample(CLAUSES[1:], rng.randint(2, 5))
        summary = "".join(c.format(**values) for c in clauses)
        if term in english and rng.random() < 0.25:
            summary += f"（英文名称：{english[term]}）"
        keywords = list(dict.fromkeys([term, term2, rng.choice(own)]))[:3]
        yield dict(title=title[:200], title_en=title_en, summary=summary, keywords=keywords,
                   field=field, county=rng.choice(counties), maturity=rng.randint(1, 9))


if __name__ == "__main__":
    for record in generate(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
        print(record)
