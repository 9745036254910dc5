"""Seed the working-day table from chinesecalendar (2004–2026 at version 1.11.0)."""

import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarDay = apps.get_model("core", "CalendarDay")
    chinese_names = {
        "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
        "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
        "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
    }  # fmt: skip
    holidays = {**chinese_calendar.holidays, **chinese_calendar.workdays}
    first = min(holidays).replace(month=1, day=1)
    last = max(holidays).replace(month=12, day=31)
    rows, day = [], first
    while day <= last:
        workday = chinese_calendar.is_workday(day)
        name = ""
        if day in chinese_calendar.holidays:
            english = chinese_calendar.get_holiday_detail(day)[1]
            name = chinese_names.get(english, english or "") if english else "周末"
        elif day in chinese_calendar.workdays and day.weekday() >= 5:
            name = "调休上班"
        rows.append(CalendarDay(date=day, is_workday=workday, name=name, source="chinesecalendar"))
        day += dt.timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, batch_size=2000)


def unseed(apps, schema_editor):
    apps.get_model("core", "CalendarDay").objects.filter(source="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
