"""Template context every page needs: the navigation the user may use."""

from tanhua.core import scoping


def nav(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "can_quick_find": False}
    from tanhua.search.services import can_search

    return {"nav_items": scoping.nav_items(user), "can_quick_find": can_search(user)}
