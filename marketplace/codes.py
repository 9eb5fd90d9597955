"""Code lists fixed by API.md and the national standards, with their translated labels."""
from flask_babel import lazy_gettext as _l

# GB/T 2260: the 13 county-level divisions of Lüliang.
COUNTIES = {
    "141102": _l("Lishi District"),
    "141121": _l("Wenshui County"),
    "141122": _l("Jiaocheng County"),
    "141123": _l("Xing County"),
    "141124": _l("Lin County"),
    "141125": _l("Liulin County"),
    "141126": _l("Shilou County"),
    "141127": _l("Lan County"),
    "141128": _l("Fangshan County"),
    "141129": _l("Zhongyang County"),
    "141130": _l("Jiaokou County"),
    "141181": _l("Xiaoyi City"),
    "141182": _l("Fenyang City"),
}

# GB/T 2260: provincial-level divisions, for organisations outside Lüliang.
PROVINCES = {
    "110000": _l("Beijing"), "120000": _l("Tianjin"), "130000": _l("Hebei"),
    "140000": _l("Shanxi"), "150000": _l("Inner Mongolia"), "210000": _l("Liaoning"),
    "220000": _l("Jilin"), "230000": _l("Heilongjiang"), "310000": _l("Shanghai"),
    "320000": _l("Jiangsu"), "330000": _l("Zhejiang"), "340000": _l("Anhui"),
    "350000": _l("Fujian"), "360000": _l("Jiangxi"), "370000": _l("Shandong"),
    "410000": _l("Henan"), "420000": _l("Hubei"), "430000": _l("Hunan"),
    "440000": _l("Guangdong"), "450000": _l("Guangxi"), "460000": _l("Hainan"),
    "500000": _l("Chongqing"), "510000": _l("Sichuan"), "520000": _l("Guizhou"),
    "530000": _l("Yunnan"), "540000": _l("Tibet"), "610000": _l("Shaanxi"),
    "620000": _l("Gansu"), "630000": _l("Qinghai"), "640000": _l("Ningxia"),
    "650000": _l("Xinjiang"), "710000": _l("Taiwan"), "810000": _l("Hong Kong"),
    "820000": _l("Macao"),
}

REGIONS = {**COUNTIES, **PROVINCES}
# A contract party may also be abroad (technology imports and exports).
ABROAD = "990000"
PARTY_REGIONS = {**REGIONS, ABROAD: _l("Outside China")}

ORG_KINDS = {
    "enterprise": _l("Enterprise"),
    "research_institute": _l("Research institute"),
    "university": _l("University"),
    "intermediary": _l("Intermediary"),
    "government": _l("Government body"),
    "individual": _l("Individual"),
    "other": _l("Other"),
}

# Entity types of the national technology-market statistics (API.md "Contracts").
ENTITY_TYPES = {
    "research_institute": _l("Research institute"),
    "university": _l("University"),
    "state_enterprise": _l("State-owned enterprise"),
    "private_enterprise": _l("Private enterprise"),
    "foreign_enterprise": _l("Foreign-invested enterprise"),
    "government": _l("Government body"),
    "individual": _l("Individual"),
    "other": _l("Other"),
}

# The plan's ten industry fields, in order, then other (SPEC.md "Industry fields").
FIELDS = {
    "coal": _l("Coal and coal-bed methane"),
    "power": _l("Power and new energy"),
    "materials": _l("New materials"),
    "equipment": _l("Equipment manufacturing"),
    "electronics": _l("Electronics and information"),
    "environment": _l("Energy saving and environment"),
    "nev": _l("New-energy vehicles"),
    "biomedicine": _l("Biomedicine"),
    "agriculture": _l("Modern agriculture"),
    "culture": _l("Culture and tourism"),
    "other": _l("Other"),
}

# The national statistics' technology domains (技术领域) of a technology contract.
TECH_DOMAINS = {
    "electronics_it": _l("Electronics and information technology"),
    "advanced_manufacturing": _l("Advanced manufacturing"),
    "aerospace": _l("Aerospace"),
    "transport": _l("Modern transport"),
    "biomedicine": _l("Biology, medicine and medical devices"),
    "new_materials": _l("New materials and their applications"),
    "new_energy": _l("New energy and efficient energy saving"),
    "environment": _l("Environmental protection and resource use"),
    "nuclear": _l("Nuclear applications"),
    "agriculture": _l("Modern agriculture"),
    "urban_social": _l("Urban construction and social development"),
}
