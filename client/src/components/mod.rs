//! The screens and their parts.

pub mod admin;
pub mod district;
pub mod district_report;
pub mod district_review;
pub mod field;
pub mod login;
pub mod records;
pub mod report_form;
pub mod report_list;
pub mod review;
pub mod scalar_input;
pub mod start;
pub mod sync_status;
pub mod top_bar;
