"""Name tables of the districts and the county of 示例市. Pure data.

Shorts are written with 区; in the county every 区 reads 县. The full name is
the region prefix (东城区 / 西城区 / 示例县) + the short without its first
character, unless a template with {P} (the prefix) is given.
Rows are as in tables_city (amounts are for a district; the county uses them
as they are, the urban districts scale them by LOCAL_REGIONS' factor).
"""

from __future__ import annotations

P, G = "party_dept", "gov_dept"
DIV, VDIV, SEC, VSEC, STOCK = (
    "division",
    "vice_division",
    "section",
    "vice_section",
    "stock",
)

# (code, name, prefix, agency code of its office, amount factor, township kind)
LOCAL_REGIONS: list[tuple] = [
    ("990102", "示例市东城区", "东城区", "东编", 1.0, "street"),
    ("990103", "示例市西城区", "西城区", "西编", 0.9, "street"),
    ("990121", "示例县", "示例县", "示县编", 1.1, "township"),
]

TOWNSHIPS: dict[str, list[str]] = {
    "990102": ["东华街道", "朝阳街道", "和平街道", "建设街道", "新华街道",
               "光明街道", "文化路街道", "滨河街道"],
    "990103": ["西关街道", "人民路街道", "解放路街道", "胜利街道", "青年路街道",
               "北苑街道", "金山街道"],
    "990121": ["城关镇", "龙泉镇", "青石镇", "河口镇", "高桥镇", "杨庄镇",
               "白沙乡", "柳林乡", "石门乡", "安乐乡"],
}  # fmt: skip

# fmt: off
LOCAL_ORGANS: list[tuple] = [
    ("区委办公室", "", P, SEC, True, 22, 0, 3, 1, 2015),
    ("区委组织部", "", P, SEC, True, 20, 0, 1, 1, 2015),
    ("区委宣传部", "", P, SEC, True, 14, 0, 1, 0, 2015),
    ("区委统战部", "", P, SEC, True, 12, 0, 1, 0, 2015),
    ("区委政法委", "{P}委政法委员会", P, SEC, True, 12, 0, 1, 0, 2015),
    ("区委编办", "{P}委机构编制委员会办公室", P, SEC, True, 9, 0, 0, 0, 2015),
    ("区委网信办", "{P}委网络安全和信息化委员会办公室", P, SEC, True, 7, 0, 0, 0, 2015),
    ("区直机关工委", "{P}直属机关工作委员会", P, SEC, True, 6, 0, 0, 0, 2015),
    ("区委老干部局", "", P, SEC, True, 8, 0, 1, 2, 2015),
    ("区委巡察办", "{P}委巡察工作领导小组办公室", P, SEC, True, 0, 0, 0, 0, 2017),
    ("区委社会工作部", "", P, SEC, True, 0, 0, 0, 0, 2024),
    ("区纪委监委机关", "{P}纪律检查委员会{P}监察委员会机关", P, VDIV, False, 40, 0, 2, 0, 2015),
    ("区政府办公室", "{P}人民政府办公室", G, SEC, True, 20, 0, 3, 1, 2015),
    ("区发展改革局", "{P}发展和改革局", G, SEC, True, 18, 0, 1, 0, 2015),
    ("区教育和体育局", "", G, SEC, True, 18, 0, 1, 0, 2015),
    ("区科技工信局", "{P}科学技术和工业信息化局", G, SEC, True, 12, 0, 1, 0, 2015),
    ("区民政局", "", G, SEC, True, 12, 0, 1, 0, 2015),
    ("区司法局", "", G, SEC, True, 6, 25, 1, 0, 2015),
    ("区财政局", "", G, SEC, True, 20, 0, 1, 0, 2015),
    ("区人社局", "{P}人力资源和社会保障局", G, SEC, True, 15, 0, 1, 0, 2015),
    ("区住建局", "{P}住房和城乡建设局", G, SEC, True, 15, 0, 1, 0, 2015),
    ("区城市管理局", "", G, SEC, True, 12, 0, 1, 0, 2015),
    ("区交通运输局", "", G, SEC, True, 10, 0, 1, 0, 2015),
    ("区农业农村和水利局", "", G, SEC, True, 16, 0, 1, 0, 2015),
    ("区商务局", "", G, SEC, True, 9, 0, 0, 0, 2015),
    ("区文化和旅游局", "", G, SEC, True, 10, 0, 1, 0, 2015),
    ("区卫生健康局", "", G, SEC, True, 14, 0, 1, 0, 2015),
    ("区退役军人事务局", "", G, SEC, True, 0, 0, 0, 0, 2019),
    ("区应急管理局", "", G, SEC, True, 12, 0, 1, 0, 2015),
    ("区审计局", "", G, SEC, True, 12, 0, 0, 0, 2015),
    ("区市场监管局", "{P}市场监督管理局", G, SEC, True, 30, 0, 1, 0, 2015),
    ("区统计局", "", G, SEC, True, 8, 0, 0, 0, 2015),
    ("区医保局", "{P}医疗保障局", G, SEC, True, 0, 0, 0, 0, 2019),
    ("区行政审批服务局", "", G, SEC, True, 15, 0, 1, 0, 2015),
    ("区信访局", "", G, SEC, True, 7, 0, 0, 0, 2015),
    # A district's public-security bureau is a branch of the city's (市公安局派出机构),
    # outside the district's cap; the county has its own 县公安局 in the cap (decision).
    ("区公安分局", "{P}公安分局", G, VDIV, False, 10, 260, 6, 0, 2015),
    ("区人大常委会机关", "{P}人民代表大会常务委员会机关", "npc", DIV, False, 18, 0, 2, 0, 2015),
    ("区政协机关", "政协{P}委员会机关", "cppcc", DIV, False, 15, 0, 2, 0, 2015),
    ("区人民法院", "", "court", VDIV, False, 6, 70, 3, 0, 2015),
    ("区人民检察院", "", "procuratorate", VDIV, False, 5, 50, 2, 0, 2015),
    ("区总工会", "", "mass_org", SEC, False, 8, 0, 1, 0, 2015),
    ("团区委", "共青团{P}委员会", "mass_org", SEC, False, 5, 0, 0, 0, 2015),
    ("区妇联", "{P}妇女联合会", "mass_org", SEC, False, 5, 0, 0, 0, 2015),
    ("区残联", "{P}残疾人联合会", "mass_org", SEC, False, 5, 0, 0, 0, 2015),
    ("区工商联", "{P}工商业联合会", "mass_org", SEC, False, 5, 0, 0, 0, 2015),
]

# 2019 reform renames in every district/county: final short -> old short.
LOCAL_RENAMES_2019 = {
    "区卫生健康局": "区卫生和计划生育局",
    "区应急管理局": "区安全生产监督管理局",
    "区农业农村和水利局": "区农林水利局",
    "区文化和旅游局": "区文化广电新闻出版局",
    "区行政审批服务局": "区政务服务管理办公室",
    "区市场监管局": "区工商行政管理局",
}

# Institution rows: (supervising short, short, class, sector, rank, amount, cs_managed, where)
# where: all / urban (districts only) / county
LOCAL_INSTITUTIONS: list[tuple] = [
    ("区教育和体育局", "区第一中学", "pw1", "P", SEC, 110, False, "all"),
    ("区教育和体育局", "区第二中学", "pw1", "P", VSEC, 90, False, "all"),
    ("区教育和体育局", "区实验中学", "pw1", "P", VSEC, 85, False, "all"),
    ("区教育和体育局", "区实验小学", "pw1", "P", VSEC, 70, False, "all"),
    ("区教育和体育局", "区第一小学", "pw1", "P", STOCK, 55, False, "all"),
    ("区教育和体育局", "区第二小学", "pw1", "P", STOCK, 50, False, "all"),
    ("区教育和体育局", "区第三小学", "pw1", "P", STOCK, 45, False, "all"),
    ("区教育和体育局", "区第一幼儿园", "pw2", "P", STOCK, 30, False, "all"),
    ("区教育和体育局", "区特殊教育学校", "pw1", "P", STOCK, 20, False, "all"),
    ("区教育和体育局", "区教学研究室", "pw1", "P", STOCK, 15, False, "all"),
    ("区教育和体育局", "区职业教育中心", "pw2", "P", VSEC, 80, False, "county"),
    ("区卫生健康局", "区人民医院", "pw2", "Q", SEC, 320, False, "all"),
    ("区卫生健康局", "区中医医院", "pw2", "Q", VSEC, 180, False, "all"),
    ("区卫生健康局", "区妇幼保健院", "pw2", "Q", VSEC, 90, False, "all"),
    ("区卫生健康局", "区疾病预防控制中心", "pw1", "Q", VSEC, 45, False, "all"),
    ("区卫生健康局", "区卫生健康综合监督执法大队", "adm", "S", STOCK, 15, True, "all"),
    ("区卫生健康局", "区第一社区卫生服务中心", "pw1", "Q", STOCK, 30, False, "urban"),
    ("区卫生健康局", "区第二社区卫生服务中心", "pw1", "Q", STOCK, 25, False, "urban"),
    ("区文化和旅游局", "区图书馆", "pw1", "R", STOCK, 15, False, "all"),
    ("区文化和旅游局", "区文化馆", "pw1", "R", STOCK, 15, False, "all"),
    ("区委宣传部", "区融媒体中心", "pw2", "R", VSEC, 60, False, "all"),
    ("区委办公室", "区档案馆", "pw1", "R", STOCK, 12, False, "all"),
    ("区委组织部", "区委党校", "pw1", "P", VSEC, 20, True, "all"),
    ("区政府办公室", "区机关事务服务中心", "pw1", "S", STOCK, 18, False, "all"),
    ("区行政审批服务局", "区政务服务中心", "pw1", "S", VSEC, 25, False, "all"),
    ("区行政审批服务局", "区公共资源交易中心", "pw1", "L", STOCK, 10, False, "all"),
    ("区人社局", "区社会保险事业中心", "adm", "S", VSEC, 30, True, "all"),
    ("区人社局", "区就业服务中心", "pw1", "S", STOCK, 15, False, "all"),
    ("区城市管理局", "区城市管理综合行政执法大队", "adm", "S", VSEC, 50, True, "all"),
    ("区城市管理局", "区环境卫生服务中心", "pw1", "N", STOCK, 30, False, "urban"),
    ("区退役军人事务局", "区退役军人服务中心", "pw1", "S", STOCK, 10, False, "all"),
    ("区应急管理局", "区应急救援指挥中心", "pw1", "S", STOCK, 10, False, "all"),
    ("区市场监管局", "区检验检测中心", "pw2", "M", STOCK, 20, False, "all"),
    ("区财政局", "区财政投资评审中心", "pw1", "M", STOCK, 8, False, "all"),
    ("区委政法委", "区网格化服务管理中心", "pw1", "S", STOCK, 12, False, "all"),
    ("区农业农村和水利局", "区农业技术推广中心", "pw1", "A", STOCK, 25, False, "county"),
    ("区农业农村和水利局", "区畜牧兽医服务中心", "pw1", "A", STOCK, 18, False, "county"),
    ("区农业农村和水利局", "区水利工程管理站", "pw2", "N", STOCK, 15, False, "county"),
    ("区住建局", "区不动产登记中心", "pw1", "S", STOCK, 15, False, "county"),
    ("区住建局", "区房屋征收服务中心", "pw1", "K", STOCK, 10, False, "urban"),
]

BODIES_LOCAL: dict[str, list[str]] = {
    "区委办公室": ["秘书股", "综合股", "信息督查股", "机要股", "档案股"],
    "区委组织部": ["办公室", "组织股", "干部股", "干部监督股", "公务员管理股", "人才工作股"],
    "区委编办": ["综合股", "机构编制股", "监督检查股"],
    "区政府办公室": ["秘书股", "综合股", "督查股", "政务公开股", "信息股"],
    "区教育和体育局": ["办公室", "基础教育股", "学前教育股", "教师工作股", "体育股", "计划财务股", "人事股"],
    "区财政局": ["办公室", "预算股", "国库股", "行政政法股", "经济建设股", "社会保障股", "会计股"],
    "区卫生健康局": ["办公室", "医政医管股", "疾病预防控制股", "基层卫生股", "妇幼健康股", "人事股"],
    "区人民法院": ["办公室", "政治处", "立案庭", "刑事审判庭", "民事审判第一庭", "民事审判第二庭", "行政审判庭", "执行局"],
    "区人民检察院": ["办公室", "政治处", "第一检察部", "第二检察部", "第三检察部", "第四检察部"],
    "区公安分局": ["警务保障室", "政治处", "指挥中心", "治安管理大队", "刑事侦查大队", "交通警察大队", "法制大队", "督察大队"],
    "区人民医院": ["院办公室", "医务股", "护理部", "财务股", "人事股"],
}

GENERIC_BODIES_LOCAL_ORGAN = ["办公室", "综合股", "政策法规股", "业务股", "计划财务股",
                              "人事股", "监督检查股", "行政审批股", "信息股"]
GENERIC_BODIES_LOCAL_INSTITUTION = ["办公室", "业务股", "财务股", "综合服务股"]
TOWNSHIP_BODIES = ["党政办公室", "党建工作办公室", "经济发展办公室", "社会事务办公室",
                   "综合行政执法办公室", "社会治理办公室", "应急管理办公室"]
# fmt: on
