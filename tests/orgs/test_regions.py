from bianzhi.core.actor import Actor
from bianzhi.core.errors import ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import services
from bianzhi.orgs.models import Region

from .conftest import OFFICE, UNIT_HR, refused


def test_region_ensure_creates_province_and_city_first(db):
    district = services.region_ensure(actor=OFFICE, code="370102")
    assert (district.name, district.level, district.is_local) == (
        "历下区",
        "county",
        False,
    )
    city = district.parent
    assert (city.code, city.name, city.level) == ("370100", "济南市", "city")
    province = city.parent
    assert (province.code, province.name, province.level) == (
        "370000",
        "山东省",
        "province",
    )
    assert province.parent is None
    event = AuditEvent.objects.get()
    assert event.operation == "region_ensure"
    assert [r["pk"] for r in event.records] == ["370000", "370100", "370102"]


def test_region_ensure_returns_existing_row_without_writing(db):
    first = services.region_ensure(actor=OFFICE, code="370102")
    events = AuditEvent.objects.count()
    again = services.region_ensure(actor=UNIT_HR, code="370102")
    assert again == first and AuditEvent.objects.count() == events
    # A sibling only adds itself: its parents exist.
    services.region_ensure(actor=OFFICE, code="370103")
    assert AuditEvent.objects.last().records[0]["pk"] == "370103"
    assert len(AuditEvent.objects.last().records) == 1


def test_region_ensure_keeps_the_current_name_of_a_renamed_county(db):
    assert services.region_ensure(actor=OFFICE, code="500101").name == "万州区"


def test_region_ensure_unknown_code(db):
    with refused(ErrorCode.REGION_UNKNOWN):
        services.region_ensure(actor=OFFICE, code="123456")
    with refused(ErrorCode.REGION_UNKNOWN):
        services.region_ensure(actor=OFFICE, code="99")


def test_region_ensure_returns_a_local_region(regions):
    assert services.region_ensure(actor=OFFICE, code="990102") == regions[2]


def test_region_ensure_needs_office_to_create(db):
    with refused(ErrorCode.ROLE_FORBIDDEN):
        services.region_ensure(actor=UNIT_HR, code="370102")


def test_region_create_local(regions):
    province, city, district = regions
    assert district.parent == city and city.parent == province
    assert all(r.is_local for r in regions)
    assert AuditEvent.objects.filter(operation="region_create_local").count() == 3


def test_region_create_local_refusals(regions):
    province, city, district = regions
    with refused(ErrorCode.VALUE_INVALID):  # in the national table
        services.region_create_local(
            actor=OFFICE, code="370102", name="历下区", level="county"
        )
    with refused(ErrorCode.VALUE_INVALID):  # exists
        services.region_create_local(
            actor=OFFICE, code="990102", name="示例区", level="county"
        )
    with refused(ErrorCode.VALUE_INVALID):
        services.region_create_local(
            actor=OFFICE, code="99010", name="短", level="county"
        )
    with refused(ErrorCode.VALUE_INVALID):
        services.region_create_local(
            actor=OFFICE, code="990103", name="乙区", level="town"
        )
    with refused(ErrorCode.VALUE_INVALID):  # a city below a county
        services.region_create_local(
            actor=OFFICE, code="990200", name="乙市", level="city", parent=district
        )
    with refused(ErrorCode.FIELD_REQUIRED):
        services.region_create_local(
            actor=OFFICE, code="990103", name=" ", level="county"
        )
    with refused(ErrorCode.ROLE_FORBIDDEN):
        services.region_create_local(
            actor=UNIT_HR, code="990103", name="乙区", level="county"
        )


def test_region_set_policy(city):
    services.region_set_policy(
        actor=OFFICE, region=city, over_quota_policy="n_out_1_in", releases_per_intake=2
    )
    city.refresh_from_db()
    assert (city.over_quota_policy, city.releases_per_intake) == ("n_out_1_in", 2)
    with refused(ErrorCode.VALUE_INVALID):
        services.region_set_policy(actor=OFFICE, region=city, over_quota_policy="loose")
    with refused(ErrorCode.QUANTITY_INVALID):
        services.region_set_policy(
            actor=OFFICE, region=city, over_quota_policy="none", releases_per_intake=0
        )
    with refused(ErrorCode.ROLE_FORBIDDEN):
        services.region_set_policy(actor=UNIT_HR, region=city, over_quota_policy="none")
    assert Actor.system().is_office
    services.region_set_policy(
        actor=Actor.system(), region="990100", over_quota_policy="none"
    )
    assert Region.objects.get(pk="990100").over_quota_policy == "none"
