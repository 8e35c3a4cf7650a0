//! The rollback plan and the pre-deploy checklist, gathered from the findings and the
//! inverse of every flagged migration.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::check::MigrationUndo;
use crate::finding::{Finding, Severity};

/// One step of the rollback plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanStep {
    /// 1-based position: run steps in this order.
    pub order: usize,
    /// The migration file this step reverts.
    pub path: String,
    pub framework: String,
    pub version: String,
    /// What to do, in one sentence.
    pub action: String,
    /// The SQL or commands, in order.
    pub commands: Vec<String>,
    /// Part of this migration cannot be undone.
    pub irreversible: bool,
    /// Why, when irreversible.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Plan {
    pub rollback: Vec<PlanStep>,
    pub checklist: Vec<String>,
}

/// Put the rollback steps of flagged manifests (Kubernetes objects, compose services, images)
/// in front of the migration steps, in reverse deploy order: the application goes back before
/// the schema it needs does.
pub fn add_manifest_steps(plan: &mut Plan, undo: &[crate::check::manifests::ManifestUndo]) {
    let mut steps: Vec<PlanStep> = undo
        .iter()
        .rev()
        .map(|u| PlanStep {
            order: 0,
            path: u.path.clone(),
            framework: u.family.clone(),
            version: String::new(),
            action: format!("Roll back {}", u.target),
            commands: u.steps.clone(),
            irreversible: u.irreversible,
            notes: Vec::new(),
        })
        .collect();
    if steps.is_empty() {
        return;
    }
    steps.append(&mut plan.rollback);
    for (i, s) in steps.iter_mut().enumerate() {
        s.order = i + 1;
    }
    plan.rollback = steps;
}

/// Build the plan for the migrations that carry findings above info, in reverse deploy order.
/// Pre-existing findings a diff-mode run shows with `--all` do not count.
pub fn build(findings: &[Finding], undo: &[MigrationUndo]) -> Plan {
    let flagged: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.counts() && f.severity > Severity::Info && f.migration.is_some())
        .map(|f| f.location.path.as_str())
        .collect();
    let mut rollback = Vec::new();
    // `undo` is in deploy order within each timeline; reverse it whole.
    for m in undo.iter().rev() {
        let related_paths = flagged.contains(m.path.as_str());
        if !related_paths {
            continue;
        }
        let irreversible = !m.irreversible.is_empty();
        let (action, commands) = if m.has_down {
            (
                format!(
                    "Revert {} {} with its down migration",
                    m.framework.name(),
                    m.version
                ),
                vec![m.framework.revert_command(&m.dir)],
            )
        } else if m.steps.is_empty() && m.manual.is_empty() {
            (
                "Nothing to run: no statement of this migration has an inverse".to_string(),
                Vec::new(),
            )
        } else {
            let mut cmds = m.steps.clone();
            cmds.extend(m.manual.iter().map(|s| format!("-- by hand: {s}")));
            (
                "Run the inverse SQL (no down migration exists)".to_string(),
                cmds,
            )
        };
        let mut notes: Vec<String> = m
            .irreversible
            .iter()
            .map(|w| format!("irreversible: {w}; restore from the backup taken before deploying"))
            .collect();
        if m.has_down && !m.steps.is_empty() {
            notes.push(format!(
                "derived inverse, to check the down migration against: {}",
                m.steps.join(" ")
            ));
        }
        rollback.push(PlanStep {
            order: 0,
            path: m.path.clone(),
            framework: m.framework.name().to_string(),
            version: m.version.clone(),
            action,
            commands,
            irreversible,
            notes,
        });
    }
    for (i, s) in rollback.iter_mut().enumerate() {
        s.order = i + 1;
    }

    let mut checklist = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push = |item: String| {
        if seen.insert(item.clone()) {
            checklist.push(item);
        }
    };
    for step in &rollback {
        if step.irreversible {
            push(format!(
                "Take a backup or snapshot before deploying: `{}` has irreversible steps",
                step.path
            ));
        }
    }
    // Down-migration findings concern the rollback, not the deploy.
    let in_up = |f: &&Finding| f.migration.as_ref().is_none_or(|m| m.direction != "down");
    for f in findings
        .iter()
        .filter(|f| f.counts() && f.severity >= Severity::Medium)
        .filter(in_up)
    {
        if let Some(item) = &f.checklist {
            push(item.clone());
        }
    }
    Plan {
        rollback,
        checklist,
    }
}
