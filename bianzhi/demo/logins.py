"""The demo accounts: one per role, all with the same memorable password."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "demo12345"


@dataclass(frozen=True)
class Login:
    username: str
    full_name: str
    role: str
    region: str = ""  # region code of the scope
    unit: str = ""  # spec key of the unit of the scope
    department: str = ""
    note: str = ""

    @property
    def scope_label(self) -> str:
        if self.unit:
            return self.unit.split(":", 1)[1]
        if self.region:
            return REGION_LABELS.get(self.region, self.region)
        return "全局（无业务数据）"


REGION_LABELS = {"990100": "示例市", "990102": "示例市东城区"}

LOGINS: list[Login] = [
    Login("office", "李静", "office_admin", region="990100", note="编办业务科室"),
    Login("leader", "张建国", "office_leader", region="990100", note="编办主任"),
    Login("dongcheng", "王芳", "office_admin", region="990102", note="东城区委编办"),
    Login("edu_hr", "赵磊", "unit_hr", unit="990100:市教育局", note="人事科"),
    Login("school_hr", "孙丽", "unit_hr", unit="990100:市第一中学", note="办公室"),
    Login(
        "health_sup",
        "周涛",
        "supervising_dept",
        unit="990100:市卫生健康委",
        note="主管部门（下属医院、疾控中心等）",
    ),
    Login(
        "zuzhibu",
        "吴敏",
        "partner_reviewer",
        region="990100",
        department="组织部",
        note="联审部门",
    ),
    Login("inspector", "郑华", "inspector", region="990100", note="纪委监委/审计"),
    Login("liaison", "冯雪", "liaison", unit="990100:市民政局", note="监督检查联络员"),
    Login("sysadmin", "陈刚", "sys_admin", note="系统管理员"),
    Login("secadmin", "褚红", "sec_admin", note="安全管理员"),
    Login("auditadmin", "卫东", "audit_admin", note="审计管理员"),
]

ROLE_LABELS = {
    "office_admin": "编办业务科室人员",
    "office_leader": "编办主任/编委领导",
    "unit_hr": "用编单位人事干部",
    "supervising_dept": "主管部门",
    "partner_reviewer": "联审部门",
    "inspector": "纪检监察/审计/巡察",
    "liaison": "监督检查联络员",
    "sys_admin": "系统管理员",
    "sec_admin": "安全管理员",
    "audit_admin": "审计管理员",
}


def create_logins(actor, units: dict, regions: dict) -> int:
    from bianzhi.accounts.services import role_assign, user_create

    made = 0
    for login in LOGINS:
        unit = units.get(login.unit) if login.unit else None
        region = regions.get(login.region) if login.region else None
        if (login.unit and unit is None) or (login.region and region is None):
            continue  # not part of a reduced-scale city
        user = user_create(
            actor=actor,
            username=login.username,
            password=DEMO_PASSWORD,
            full_name=login.full_name,
        )
        role_assign(
            actor=actor,
            user=user,
            role=login.role,
            region=region,
            unit=unit,
            department=login.department,
        )
        made += 1
    return made


def logins_table() -> str:
    rows = [("用户名", "密码", "角色", "范围", "说明")]
    for login in LOGINS:
        rows.append(
            (
                login.username,
                DEMO_PASSWORD,
                ROLE_LABELS[login.role],
                login.scope_label,
                login.note + (f"（{login.department}）" if login.department else ""),
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
