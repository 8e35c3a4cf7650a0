//! M001 statement-not-analysed: statements neither parser path understood.

use crate::parse::sql::Op;
use crate::rules::{Draft, Rule, StmtCtx};

pub struct StatementNotAnalysed;

impl Rule for StatementNotAnalysed {
    fn code(&self) -> &'static str {
        "M001"
    }

    fn check_statement(&self, cx: &StmtCtx<'_>, out: &mut Vec<Draft>) {
        if let Op::Unknown { reason } = &cx.stmt.op {
            let reason = reason.trim();
            let detail = if reason.is_empty() {
                String::new()
            } else {
                format!(
                    " (parser: {})",
                    reason.chars().take(120).collect::<String>()
                )
            };
            out.push(cx.draft(
                "M001",
                cx.stmt.head,
                format!("statement not analysed: review it by hand{detail}"),
                "not understood".into(),
            ));
        }
    }
}
