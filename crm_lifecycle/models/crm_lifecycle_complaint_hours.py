"""A complaint's clock: working hours on its company's calendar, counted
only in the stages that neither wait on the customer nor close the case."""

from datetime import timedelta


class ComplaintClock:
    """Reads one case (as superuser) and answers in working hours."""

    def __init__(self, complaint):
        self.complaint = complaint
        self.calendar = (
            complaint.company_id.resource_calendar_id
            or complaint.env.company.resource_calendar_id
        )

    def hours(self, start, end):
        """The working hours between two naive UTC datetimes, the calendar's
        public holidays excluded."""
        if not start or not end or end <= start:
            return 0.0
        if not self.calendar:
            return (end - start).total_seconds() / 3600
        return self.calendar.get_work_duration_data(start, end, compute_leaves=True)[
            "hours"
        ]

    def counting(self):
        stage = self.complaint.stage_id
        return not (stage.is_waiting or stage.is_closed)

    def counted_at(self, when):
        """The working hours counted from the opening to ``when``, in the
        current stage included."""
        complaint = self.complaint
        hours = complaint.counted_hours
        if self.counting():
            hours += self.hours(complaint.stage_date or complaint.date_open, when)
        return round(hours, 4)

    def target(self):
        """The hours the case is held to next: the first response, then the
        resolution; none without a category."""
        complaint = self.complaint
        category = complaint.category_id
        if not category:
            return None
        if complaint.date_first_response:
            return category.resolution_target_hours
        return category.response_target_hours

    def deadline(self):
        complaint = self.complaint
        target = self.target()
        if target is None or not self.counting():
            return False
        start = complaint.stage_date or complaint.date_open
        remaining = target - complaint.counted_hours
        if remaining <= 0:
            return start
        if not self.calendar:
            return start + timedelta(hours=remaining)
        return self.calendar.plan_hours(remaining, start, compute_leaves=True)
