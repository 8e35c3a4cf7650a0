//! The SQL migration family (M). One line per rule; metadata in `rules/migrations.toml`.

mod columns;
mod constraints;
mod destructive;
mod index;
mod maintenance;
mod not_analysed;
mod reversibility;
mod transaction;
pub mod types;

use super::Rule;

pub static RULES: &[&dyn Rule] = &[
    &not_analysed::StatementNotAnalysed,
    &index::BlockingIndexBuild,
    &index::ConcurrentOperationInTransaction,
    &index::BlockingDropIndex,
    &index::BlockingReindex,
    &maintenance::TableRewriteMaintenance,
    &maintenance::SetLoggedUnlogged,
    &maintenance::SetTablespace,
    &columns::AddColumnRewritesTable,
    &columns::AddColumnNotNullWithoutDefault,
    &columns::ColumnTypeChangeRewrites,
    &columns::ColumnTypeNarrowing,
    &columns::SetNotNullScansTable,
    &constraints::ForeignKeyWithoutNotValid,
    &constraints::CheckConstraintWithoutNotValid,
    &constraints::UniqueConstraintBuildsIndex,
    &destructive::DropColumn,
    &destructive::DropTable,
    &destructive::TruncateTable,
    &destructive::RenameColumn,
    &destructive::RenameTable,
    &destructive::UnbatchedDataChange,
    &transaction::MissingLockTimeout,
    &transaction::EnumValueUsedInSameTransaction,
    &reversibility::MissingDownMigration,
    &reversibility::DownDoesNotReverseUp,
];

use crate::parse::sql::{AlterAction, Op};

/// The ALTER TABLE actions of a statement, with its table.
pub(crate) fn alter_actions(op: &Op) -> Option<(&crate::parse::sql::ObjName, &[AlterAction])> {
    match op {
        Op::AlterTable { table, actions, .. } => Some((table, actions.as_slice())),
        _ => None,
    }
}

/// The ALTER TABLE actions of the statement when its table already holds rows (it was not
/// created earlier in this migration or release): what most column and constraint rules
/// look at.
pub(crate) fn existing_alter<'a>(
    cx: &crate::rules::StmtCtx<'a>,
) -> Option<(&'a crate::parse::sql::ObjName, &'a [AlterAction])> {
    alter_actions(&cx.stmt.op).filter(|(table, _)| cx.existing(table))
}

/// `code` in backticks.
pub(crate) fn tick(s: &str) -> String {
    format!("`{s}`")
}
