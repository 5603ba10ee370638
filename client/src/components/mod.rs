//! The screens and their parts.

pub mod district;
pub mod field;
pub mod login;
pub mod records;
pub mod report_form;
pub mod report_list;
pub mod scalar_input;
pub mod start;
pub mod sync_status;
pub mod top_bar;
