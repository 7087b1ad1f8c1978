"""quizzes attempts slots regrades

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 08:18:40.749768
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('quizzes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('lesson_check', 'course_final', 'contest_round', name='quizkind', native_enum=False, length=20), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('question_count', sa.Integer(), nullable=False),
    sa.Column('draw_rules', sa.JSON(), nullable=False),
    sa.Column('shuffle_questions', sa.Boolean(), nullable=False),
    sa.Column('shuffle_choices', sa.Boolean(), nullable=False),
    sa.Column('time_limit_seconds', sa.Integer(), nullable=True),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts_allowed', sa.Integer(), nullable=False),
    sa.Column('min_wait_seconds', sa.Integer(), nullable=False),
    sa.Column('pass_percent', sa.Integer(), nullable=False),
    sa.Column('grading_method', sa.Enum('highest', 'last', 'first', 'average', name='gradingmethod', native_enum=False, length=10), nullable=False),
    sa.Column('review_detail', sa.Enum('score', 'correctness', 'full', name='reviewdetail', native_enum=False, length=12), nullable=False),
    sa.Column('review_timing', sa.Enum('immediately', 'after_close', name='reviewtiming', native_enum=False, length=12), nullable=False),
    sa.Column('one_question_per_page', sa.Boolean(), nullable=False),
    sa.Column('grace_seconds', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_quizzes_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_quizzes_lesson_id_lessons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quizzes')),
    sa.UniqueConstraint('kind', 'course_id', 'lesson_id', name=op.f('uq_quizzes_kind'))
    )
    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('in_progress', 'submitted', name='attemptstatus', native_enum=False, length=12), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_auto_submitted', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Numeric(precision=12, scale=6, asdecimal=False), nullable=True),
    sa.Column('max_score', sa.Numeric(precision=12, scale=6, asdecimal=False), nullable=True),
    sa.Column('percent', sa.Numeric(precision=9, scale=4, asdecimal=False), nullable=True),
    sa.Column('is_passed', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_attempts_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempts')),
    sa.UniqueConstraint('quiz_id', 'user_id', 'number', name=op.f('uq_attempts_quiz_id'))
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('ix_attempts_status_deadline_at', ['status', 'deadline_at'], unique=False)
        batch_op.create_index('ix_attempts_user_id_quiz_id', ['user_id', 'quiz_id'], unique=False)

    op.create_table('attempt_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('choice_order', sa.JSON(), nullable=False),
    sa.Column('selected', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mark', sa.Numeric(precision=12, scale=6, asdecimal=False), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_slots_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_version_id'], ['question_versions.id'], name=op.f('fk_attempt_slots_question_version_id_question_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_slots')),
    sa.UniqueConstraint('attempt_id', 'position', name=op.f('uq_attempt_slots_attempt_id'))
    )
    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_slots_question_version_id'), ['question_version_id'], unique=False)

    op.create_table('regrades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('regraded_by_id', sa.Integer(), nullable=True),
    sa.Column('old_score', sa.Numeric(precision=12, scale=6, asdecimal=False), nullable=False),
    sa.Column('new_score', sa.Numeric(precision=12, scale=6, asdecimal=False), nullable=False),
    sa.Column('old_percent', sa.Numeric(precision=9, scale=4, asdecimal=False), nullable=False),
    sa.Column('new_percent', sa.Numeric(precision=9, scale=4, asdecimal=False), nullable=False),
    sa.Column('regraded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_regrades_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_regrades_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['regraded_by_id'], ['users.id'], name=op.f('fk_regrades_regraded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regrades'))
    )
    with op.batch_alter_table('regrades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regrades_attempt_id'), ['attempt_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('regrades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regrades_attempt_id'))

    op.drop_table('regrades')
    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_slots_question_version_id'))

    op.drop_table('attempt_slots')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_attempts_user_id_quiz_id')
        batch_op.drop_index('ix_attempts_status_deadline_at')

    op.drop_table('attempts')
    op.drop_table('quizzes')

