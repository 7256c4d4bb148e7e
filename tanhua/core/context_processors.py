"""Template context every page needs: the navigation the user may use."""

from tanhua.core import scoping


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "can_quick_find": False, "login_pending": False}
    from tanhua.search.services import can_search

    # Before the second factor or a forced password change every other page redirects to
    # that stage: no navigation, search or bell (whose htmx load would swap the stage's
    # whole page into the header).
    # (AccountPolicyMiddleware noted the stage: asking again would cost queries per page.)
    if getattr(request, "login_stage", None) is not None:
        return {"nav_items": [], "can_quick_find": False, "login_pending": True}
    return {
        "nav_items": scoping.nav_items(user),
        "can_quick_find": can_search(user),
        "login_pending": False,
    }
