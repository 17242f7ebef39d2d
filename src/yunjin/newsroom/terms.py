"""The newsroom's vocabulary: roles, story states and the actions the gate decides."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Role(StrEnum):
    """What a person may do in one media centre (a person may hold roles in several)."""

    REPORTER = "reporter"  # 记者: writes
    EDITOR = "editor"  # 责任编辑: 初审
    DESK_HEAD = "desk_head"  # 部门主任: 复审, schedules, unpublishes
    CHIEF_EDITOR = "chief_editor"  # 总编辑: 终审, veto, takedown
    ADMIN = "admin"  # 中心管理员: staff, takedown


class StoryState(StrEnum):
    """Where a story's working version stands; the public sees its *live* version."""

    DRAFT = "draft"
    FIRST_REVIEW = "first_review"  # 初审, waiting for an editor
    SECOND_REVIEW = "second_review"  # 复审, waiting for a desk head
    FINAL_REVIEW = "final_review"  # 终审, waiting for the chief editor
    SCHEDULED = "scheduled"  # passed every review, goes live at ``publish_at``
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    VETOED = "vetoed"  # killed by the chief editor (terminal)
    TAKEN_DOWN = "taken_down"  # removed at once, with a reason (terminal)


class Action(StrEnum):
    """Everything the gate (``permissions.may``) decides."""

    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    VETO = "veto"
    SCHEDULE = "schedule"
    PUBLISH = "publish"
    CORRECT = "correct"
    UNPUBLISH = "unpublish"
    TAKEDOWN = "takedown"
    RECOMMEND = "recommend"
    REVIEW_RECOMMENDATION = "review_recommendation"
    VIEW_DRAFTS = "view_drafts"
    MANAGE_STAFF = "manage_staff"
    PLAN = "plan"  # topics in the planning queue and their assignments
    VIEW_TIPS = "view_tips"  # citizens' tips (爆料) to the centre, with their media
    TRIAGE_TIP = "triage_tip"  # accept, dismiss, or turn a tip into a topic
    MODERATE_COMMENTS = "moderate_comments"  # approve or reject subscribers' comments
    MANAGE_POLLS = "manage_polls"  # attach a poll to a story, close it
    CONFIGURE_INTERACTION = "configure_interaction"  # e.g. pre-moderation of comments
    VIEW_LIBRARY = "view_library"  # the centre's media library (videos, images)
    UPLOAD_MEDIA = "upload_media"  # add a video or an image to it
    DELETE_MEDIA = "delete_media"  # remove an item no story version uses


REVIEW_STATES: Final = (
    StoryState.FIRST_REVIEW,
    StoryState.SECOND_REVIEW,
    StoryState.FINAL_REVIEW,
)
# The review stages a media centre uses, by its configured number of levels; the last is
# always the chief editor's 终审.
STAGES: Final[dict[int, tuple[StoryState, ...]]] = {
    1: (StoryState.FINAL_REVIEW,),
    2: (StoryState.FIRST_REVIEW, StoryState.FINAL_REVIEW),
    3: REVIEW_STATES,
}
TERMINAL: Final = frozenset({StoryState.VETOED, StoryState.TAKEN_DOWN})
# Actions that move a story through the machine (the rest only ask the gate).
STORY_ACTIONS: Final = (
    Action.EDIT,
    Action.SUBMIT,
    Action.APPROVE,
    Action.REJECT,
    Action.VETO,
    Action.SCHEDULE,
    Action.PUBLISH,
    Action.CORRECT,
    Action.UNPUBLISH,
    Action.TAKEDOWN,
)

ROLE_LABELS: Final[dict[Role, tuple[str, str]]] = {
    Role.REPORTER: ("Reporter", "记者"),
    Role.EDITOR: ("Editor (first review)", "责任编辑（初审）"),
    Role.DESK_HEAD: ("Desk head (second review)", "部门主任（复审）"),
    Role.CHIEF_EDITOR: ("Chief editor (final review)", "总编辑（终审）"),
    Role.ADMIN: ("Centre administrator", "中心管理员"),
}
STATE_LABELS: Final[dict[StoryState, tuple[str, str]]] = {
    StoryState.DRAFT: ("Draft", "草稿"),
    StoryState.FIRST_REVIEW: ("First review", "初审"),
    StoryState.SECOND_REVIEW: ("Second review", "复审"),
    StoryState.FINAL_REVIEW: ("Final review", "终审"),
    StoryState.SCHEDULED: ("Scheduled", "定时发布"),
    StoryState.PUBLISHED: ("Published", "已发布"),
    StoryState.UNPUBLISHED: ("Unpublished", "已撤稿"),
    StoryState.VETOED: ("Vetoed", "已否决"),
    StoryState.TAKEN_DOWN: ("Taken down", "已下架"),
}


def label(pair: tuple[str, str]) -> dict[str, str]:
    """A bilingual label as the API shows it."""
    return {"en": pair[0], "zh-CN": pair[1]}
