"""Grid plumbing for millions of rows: a paginator that stops counting at a cap."""

from functools import cached_property

from django.core.paginator import EmptyPage, Paginator


class CappedCountPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows, so a page never waits on ``count(*)`` of the table.

    Past the cap the grid offers the first pages and says "10,000+"; a filter narrows it.
    """

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if hasattr(object_list, "query"):
            # COUNT(*) over a LIMITed subquery: the database stops at the cap.
            return object_list.order_by().values("pk")[: self.COUNT_CAP + 1].count()
        return len(object_list)

    @property
    def is_capped(self) -> bool:
        return self.count > self.COUNT_CAP

    def validate_number(self, number):
        """A page past the end (its rows left the list after an action) shows the last page,
        so staff stay on the filtered list instead of an error."""
        try:
            return super().validate_number(number)
        except EmptyPage:
            if int(number) > 1:
                return self.num_pages
            raise
