"""The five national quota categories (VALUES.md: unit kind × quota category)."""

from django.db import migrations

CATEGORIES = [
    # code, name, aliases, rank, identities, unit kinds, full funding only, order
    (
        "administrative", "行政编制", ["行政"], 3,
        ["civil_servant", "cs_managed"],
        ["party_dept", "gov_dept", "npc", "cppcc", "democratic_party", "court",
         "procuratorate", "mass_org", "township", "street", "park"],
        True, 10,
    ),
    (
        "political_legal", "政法专项编制", ["政法专项"], 3,
        ["civil_servant"], ["gov_dept", "court", "procuratorate"], True, 20,
    ),
    (
        "institutional", "事业编制", ["事业"], 2,
        ["institution_staff", "cs_managed"], ["institution", "township", "street", "park"],
        False, 30,
    ),
    (
        "logistics", "工勤编制", ["机关工勤编制"], 1,
        ["logistics_worker"],
        ["party_dept", "gov_dept", "npc", "cppcc", "democratic_party", "court",
         "procuratorate", "mass_org", "township", "street", "park"],
        False, 40,
    ),
    (
        "veteran_cadre", "老干编制", [], 3,
        ["civil_servant", "institution_staff"],
        ["party_dept", "gov_dept", "npc", "cppcc", "democratic_party"], False, 50,
    ),
]  # fmt: skip


def seed(apps, schema_editor):
    QuotaCategory = apps.get_model("quota", "QuotaCategory")
    for code, name, aliases, rank, identities, kinds, full_only, order in CATEGORIES:
        QuotaCategory.objects.create(
            code=code,
            name=name,
            aliases=aliases,
            rank=rank,
            accepted_identities=identities,
            allowed_unit_kinds=kinds,
            full_funding_only=full_only,
            is_national=True,
            sort_order=order,
        )


def unseed(apps, schema_editor):
    apps.get_model("quota", "QuotaCategory").objects.filter(is_national=True).delete()


class Migration(migrations.Migration):
    dependencies = [("quota", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
