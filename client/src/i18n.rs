//! The interface's words, in Vietnamese (the default) and English.
//!
//! Every fixed string the user can see is a [`T`] key with both translations in
//! one `match`, so a missing translation is a compile error rather than a blank
//! label. Strings with numbers or times in them are small functions below.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

mod admin;
pub use admin::{A, replaces_version};

/// Interface language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    /// Tiếng Việt.
    #[default]
    Vi,
    /// English.
    En,
}

impl Lang {
    /// The other language (the switch toggles between two).
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// True for English; the shared crate's messages take this flag.
    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Picks a template's label: the English one when asked and present.
    pub fn pick<'a>(self, vi: &'a str, en: Option<&'a str>) -> &'a str {
        match (self, en) {
            (Lang::En, Some(en)) if !en.is_empty() => en,
            _ => vi,
        }
    }
}

/// The language signal every component reads (provided by the app root).
pub fn use_lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

/// A table of fixed strings: [`T`] for the officer's and reviewer's screens,
/// [`A`] for the administrator's.
pub trait Words: Copy + Send + Sync + 'static {
    /// The string in `lang`.
    fn get(self, lang: Lang) -> &'static str;
}

impl Words for T {
    fn get(self, lang: Lang) -> &'static str {
        T::get(self, lang)
    }
}

/// A reactive translation for use inside `view!`: re-renders when the language changes.
pub fn t<K: Words>(key: K) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || key.get(lang.get())
}

/// Fixed interface strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum T {
    AppName,
    SwitchLanguage,
    Loading,
    ChooseUser,
    ChooseUserHint,
    ContinueAs,
    SwitchUser,
    NeedNetworkFirst,
    LoginTitle,
    LoginHint,
    LoginUser,
    LoginPassword,
    LoginSubmit,
    LoggingIn,
    LoginWrong,
    LoginTooMany,
    LoginOffline,
    SyncNeedsLogin,
    SyncNeedsLoginHint,
    LoginAgain,
    Logout,
    LogoutStay,
    LogoutAnyway,
    RoleOfficer,
    RoleReviewer,
    RoleViewer,
    RoleAdmin,
    MyReports,
    NoReports,
    NoUserChosen,
    DistrictPage,
    DistrictPageHint,
    Progress,
    Deadline,
    BackToList,
    StatusDraft,
    StatusSubmitted,
    StatusApproved,
    StatusReturned,
    StatusNotStarted,
    StatusInProgress,
    Submit,
    SubmitBlocked,
    Submitted,
    SubmittedHint,
    SubmittedNote,
    AddRecord,
    RemoveRecord,
    RemoveRecordConfirm,
    RecordNumber,
    NoRecords,
    ChooseOption,
    Yes,
    No,
    DatePlaceholder,
    ConflictTitle,
    ConflictHint,
    ConflictShown,
    SavedHere,
    NotYetOnServer,
    Syncing,
    NotStartedHere,
    NoDocsYet,
    ConnectedToServer,
    Offline,
    ServerUnreachable,
    Connecting,
    StorageFailed,
    EditRefused,
    UnknownReport,
    UnknownPage,
    DistrictNeedsNetwork,
    Communes,
    Totals,
    ExcludedValues,
    ReportingUnits,
    UpdatedAt,
    NotFilled,
    OpenReport,
    InputNotInteger,
    InputNotWhole,
    InputNotNumber,
    InputNotDate,
    InputNotOption,
    InputNotBool,
    Required,
    By,
    NoStorage,
    StoragePersisted,
    StorageNotPersisted,
    AppOutdated,
    ServerOutdated,
    ReloadApp,
    RetiredTitle,
    RetiredHint,
    ExpandAll,
    CollapseAll,
    Return,
    Approve,
    Reopen,
    ReviewComment,
    ReviewCommentHint,
    History,
    NoHistory,
    StepSubmit,
    StepReturn,
    StepApprove,
    StepReopen,
    RefusedTitle,
    RefusedKept,
    RefusedApproved,
    RefusedReviewOnly,
    RefusedOther,
    RefusedHistory,
    RefusedInvalid,
    RefusedShape,
    SubmittedOutOfLimits,
    RefusedOutOfLimits,
    RefusedNotARepair,
    RefusedRoundClosed,
    ReadOnlyRoundClosed,
    ReadOnlyApproved,
    KeepValue,
    ConflictsTitle,
    NoConflicts,
    OpenToResolve,
    SubmissionTitle,
    OnTime,
    Late,
    LastSync,
    SubmittedAt,
    Status,
    ConsolidatedReport,
    DownloadDocx,
    DownloadXlsx,
    DownloadCsv,
    Downloading,
    DownloadFailed,
    ReportPreview,
    ReportPreviewHint,
    Refresh,
    OwnNarratives,
    OpenOwnReport,
}

impl T {
    /// The string in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        let (vi, en) = match self {
            T::AppName => ("Báo cáo xã", "Commune reports"),
            T::SwitchLanguage => ("English", "Tiếng Việt"),
            T::Loading => ("Đang tải…", "Loading…"),
            T::ChooseUser => ("Chọn người dùng", "Choose a user"),
            T::ChooseUserHint => (
                "Bản thử nghiệm: chọn một tài khoản mẫu để bắt đầu.",
                "Demo: choose a sample account to start.",
            ),
            T::ContinueAs => ("Tiếp tục với", "Continue as"),
            T::SwitchUser => ("Đổi người dùng", "Switch user"),
            T::NeedNetworkFirst => (
                "Lần đầu mở ứng dụng cần có mạng để tải danh mục. Ứng dụng sẽ tự thử lại khi có mạng.",
                "The first start needs a network connection to load the directory. The app retries by itself when the network is back.",
            ),
            T::LoginTitle => ("Đăng nhập", "Log in"),
            T::LoginHint => (
                "Đăng nhập một lần khi có mạng; sau đó ứng dụng dùng được cả khi không có mạng.",
                "Log in once while online; after that the app works without a network too.",
            ),
            T::LoginUser => ("Tên đăng nhập", "User name"),
            T::LoginPassword => ("Mật khẩu", "Password"),
            T::LoginSubmit => ("Đăng nhập", "Log in"),
            T::LoggingIn => ("Đang đăng nhập…", "Logging in…"),
            T::LoginWrong => (
                "Sai tên đăng nhập hoặc mật khẩu.",
                "Wrong user name or password.",
            ),
            T::LoginTooMany => (
                "Đăng nhập sai quá nhiều lần: hãy thử lại sau ít phút.",
                "Too many failed logins: try again in a few minutes.",
            ),
            T::LoginOffline => (
                "Cần có mạng để đăng nhập. Dữ liệu đã nhập vẫn được giữ trên máy.",
                "Logging in needs a network connection. What you entered stays on this phone.",
            ),
            T::SyncNeedsLogin => ("Cần đăng nhập để đồng bộ", "Sync needs a login"),
            T::SyncNeedsLoginHint => (
                "Phiên đăng nhập đã hết hạn. Dữ liệu vẫn được lưu trên máy và sẽ được gửi lên máy chủ sau khi đăng nhập lại.",
                "Your session has expired. Your data is kept on this phone and will be sent to the server after you log in again.",
            ),
            T::LoginAgain => ("Đăng nhập lại", "Log in again"),
            T::Logout => ("Đăng xuất", "Log out"),
            T::LogoutStay => ("Ở lại, chờ đồng bộ", "Stay and let it sync"),
            T::LogoutAnyway => (
                "Vẫn đăng xuất và xoá khỏi máy",
                "Log out and delete from this phone",
            ),
            T::RoleOfficer => ("Cán bộ nhập báo cáo", "Reporting officer"),
            T::RoleReviewer => ("Cán bộ tổng hợp", "Reviewer"),
            T::RoleViewer => ("Xem báo cáo", "Viewer"),
            T::RoleAdmin => ("Quản trị", "Administrator"),
            T::MyReports => ("Báo cáo của tôi", "My reports"),
            T::NoReports => (
                "Chưa có kỳ báo cáo nào cho đơn vị của bạn.",
                "There is no reporting round for your unit yet.",
            ),
            T::NoUserChosen => ("Chưa chọn người dùng.", "No user chosen yet."),
            T::DistrictPage => ("Tổng hợp các xã", "Summary of the communes"),
            T::DistrictPageHint => ("Cần có mạng", "Needs a network connection"),
            T::Progress => ("mục đã nhập", "fields filled"),
            T::Deadline => ("Hạn nộp", "Deadline"),
            T::BackToList => ("Danh sách báo cáo", "Report list"),
            T::StatusDraft => ("Đang soạn", "Draft"),
            T::StatusSubmitted => ("Đã nộp", "Submitted"),
            T::StatusApproved => ("Đã duyệt", "Approved"),
            T::StatusReturned => ("Bị trả lại", "Returned"),
            T::StatusNotStarted => ("Chưa bắt đầu", "Not started"),
            T::StatusInProgress => ("Đang làm", "In progress"),
            T::Submit => ("Nộp báo cáo", "Submit report"),
            T::SubmitBlocked => (
                "Chưa nộp được: còn mục bắt buộc hoặc sai, xem các dòng báo đỏ.",
                "Cannot submit yet: required or invalid entries are marked in red.",
            ),
            T::Submitted => ("Đã nộp báo cáo.", "Report submitted."),
            T::SubmittedHint => (
                "Báo cáo đã lưu trên máy này và tự gửi lên máy chủ khi có mạng (xem trạng thái ở đầu trang).",
                "The report is saved on this phone and goes to the server by itself whenever there is a network (see the status at the top).",
            ),
            T::SubmittedNote => (
                "Báo cáo này đã nộp: mọi sửa đổi từ bây giờ sẽ thay đổi bản đã nộp và được gửi lên cấp trên.",
                "This report has been submitted: any change from now on changes the submitted report and goes to the reviewer.",
            ),
            T::AddRecord => ("+ Thêm dòng", "+ Add a row"),
            T::RemoveRecord => ("Xoá dòng", "Remove row"),
            T::RemoveRecordConfirm => ("Xoá dòng này?", "Remove this row?"),
            T::RecordNumber => ("Dòng", "Row"),
            T::NoRecords => ("Chưa có dòng nào.", "No rows yet."),
            T::ChooseOption => ("— Chọn —", "— Choose —"),
            T::Yes => ("Có", "Yes"),
            T::No => ("Không", "No"),
            T::DatePlaceholder => ("dd/mm/yyyy", "dd/mm/yyyy"),
            T::ConflictTitle => (
                "Có mục được sửa cùng lúc trên nhiều máy",
                "Some entries were changed at the same time on several devices",
            ),
            T::ConflictHint => (
                "Ứng dụng giữ một giá trị và ghi lại các giá trị khác; hãy kiểm tra và nhập lại giá trị đúng.",
                "The app keeps one value and records the others; check and enter the right value again.",
            ),
            T::ConflictShown => ("đang dùng", "shown"),
            T::SavedHere => ("Đã lưu trên máy này", "Saved on this phone"),
            T::NotYetOnServer => ("chưa lên máy chủ", "not on the server yet"),
            T::Syncing => ("Đang đồng bộ…", "Syncing…"),
            T::NotStartedHere => ("Chưa có dữ liệu", "Nothing entered yet"),
            T::NoDocsYet => (
                "Chưa có báo cáo trên máy này",
                "No report on this phone yet",
            ),
            T::ConnectedToServer => ("Đã kết nối máy chủ", "Connected to the server"),
            T::Offline => ("Không có mạng", "Offline"),
            T::ServerUnreachable => (
                "Chưa kết nối được máy chủ, sẽ tự thử lại",
                "Cannot reach the server, retrying by itself",
            ),
            T::Connecting => ("Đang kết nối máy chủ…", "Connecting to the server…"),
            T::StorageFailed => (
                "Máy không cho lưu thêm (bộ nhớ trình duyệt đầy?). Dữ liệu vẫn còn trong ứng dụng và sẽ gửi lên máy chủ khi có mạng — đừng đóng trang này.",
                "The phone refused to store more (browser storage full?). The data is still in the app and goes to the server when there is a network — do not close this page.",
            ),
            T::EditRefused => ("Không ghi được thay đổi", "The change could not be written"),
            T::UnknownReport => (
                "Không tìm thấy mẫu báo cáo hoặc đơn vị này.",
                "This report template or unit does not exist.",
            ),
            T::UnknownPage => ("Không có trang này.", "There is no such page."),
            T::DistrictNeedsNetwork => (
                "Trang tổng hợp cần có mạng để lấy số liệu từ máy chủ. Trang sẽ tự tải lại khi có mạng.",
                "The summary needs a network connection to fetch figures from the server. It reloads by itself when the network is back.",
            ),
            T::Communes => ("Các đơn vị báo cáo", "Reporting units"),
            T::Totals => ("Số liệu tổng hợp", "Consolidated figures"),
            T::ExcludedValues => (
                "Giá trị ngoài giới hạn của mẫu báo cáo, không tính vào số liệu trên:",
                "Values outside the template's limits, not counted in the figures above:",
            ),
            T::ReportingUnits => ("Số đơn vị báo cáo", "Reporting units"),
            T::UpdatedAt => ("Cập nhật", "Updated"),
            T::NotFilled => ("chưa nhập", "not filled"),
            T::OpenReport => ("Mở báo cáo", "Open report"),
            T::InputNotInteger => (
                "Hãy nhập số nguyên, ví dụ 12",
                "Enter a whole number, e.g. 12",
            ),
            T::InputNotWhole => (
                "Chỉ nhập số nguyên, không có phần thập phân (ví dụ 12 hoặc 1.234)",
                "Whole numbers only, no decimals (e.g. 12 or 1.234)",
            ),
            T::InputNotNumber => ("Hãy nhập số, ví dụ 2,5", "Enter a number, e.g. 2,5"),
            T::InputNotDate => (
                "Hãy nhập ngày dạng dd/mm/yyyy, ví dụ 22/03/2024",
                "Enter a date as dd/mm/yyyy, e.g. 22/03/2024",
            ),
            T::InputNotOption => ("Hãy chọn trong danh sách", "Choose from the list"),
            T::InputNotBool => ("Hãy chọn Có hoặc Không", "Choose Yes or No"),
            T::Required => ("bắt buộc", "required"),
            T::By => ("do", "by"),
            T::NoStorage => (
                "Trình duyệt này không cho lưu dữ liệu nên ứng dụng không chạy được.",
                "This browser does not allow storing data, so the app cannot run.",
            ),
            T::StoragePersisted => (
                "Dữ liệu trên máy được giữ lâu dài",
                "Data on this phone is kept (persistent storage)",
            ),
            T::StorageNotPersisted => (
                "Trình duyệt có thể xoá dữ liệu khi máy thiếu bộ nhớ: hãy để báo cáo lên máy chủ sớm",
                "The browser may clear this data when the phone runs out of space: let reports reach the server soon",
            ),
            T::AppOutdated => (
                "Máy chủ đã được nâng cấp: phiên bản ứng dụng này cũ. Dữ liệu vẫn lưu trên máy; hãy mở lại ứng dụng để cập nhật.",
                "The server was upgraded and this app version is out of date. Your data stays on this phone; reopen the app to update.",
            ),
            T::ServerOutdated => (
                "Ứng dụng mới hơn máy chủ: chưa đồng bộ được. Dữ liệu vẫn lưu trên máy.",
                "This app is newer than the server, so it cannot sync yet. Your data stays on this phone.",
            ),
            T::ReloadApp => ("Mở lại ứng dụng", "Reopen the app"),
            T::RetiredTitle => (
                "Giá trị của các mục đã bỏ khỏi mẫu",
                "Values of fields removed from the template",
            ),
            T::RetiredHint => (
                "Mẫu báo cáo đã thay đổi; các giá trị này được giữ lại để không mất.",
                "The report template changed; these values are kept so nothing is lost.",
            ),
            T::ExpandAll => ("Mở tất cả", "Expand all"),
            T::CollapseAll => ("Thu gọn", "Collapse all"),
            T::Return => ("Trả lại", "Return"),
            T::Approve => ("Duyệt", "Approve"),
            T::Reopen => ("Mở lại", "Reopen"),
            T::ReviewComment => ("Ý kiến", "Comment"),
            T::ReviewCommentHint => (
                "Nêu rõ nội dung xã cần sửa (bắt buộc khi trả lại)",
                "Say what the commune must fix (required to return)",
            ),
            T::History => ("Quá trình xử lý", "History"),
            T::NoHistory => ("Chưa nộp lần nào.", "Not submitted yet."),
            T::StepSubmit => ("Nộp", "Submitted"),
            T::StepReturn => ("Trả lại", "Returned"),
            T::StepApprove => ("Duyệt", "Approved"),
            T::StepReopen => ("Mở lại", "Reopened"),
            T::RefusedTitle => (
                "Máy chủ không nhận thay đổi của máy này",
                "The server refused this phone's changes",
            ),
            T::RefusedKept => (
                "Các thay đổi vẫn được giữ trên máy (đang hiện trong biểu mẫu) và tự gửi lại khi báo cáo được mở lại.",
                "They are kept on this phone (the form shows them) and go through by themselves once the report is reopened.",
            ),
            T::RefusedApproved => (
                "Báo cáo đã được duyệt: cấp trên phải mở lại trước khi sửa tiếp.",
                "The report is approved: the reviewing unit must reopen it before further changes.",
            ),
            T::RefusedReviewOnly => (
                "Chỉ cấp trên được trả lại, duyệt hoặc mở lại báo cáo.",
                "Only the reviewing unit may return, approve or reopen the report.",
            ),
            T::RefusedOther => ("Lý do", "Reason"),
            T::RefusedHistory => (
                "Lịch sử xử lý chỉ được ghi thêm, và mỗi người chỉ ghi bước của mình.",
                "The history may only grow, and each person records only their own steps.",
            ),
            T::RefusedInvalid => (
                "Máy chủ chưa nhận bản nộp vì báo cáo còn lỗi: hãy sửa các mục báo lỗi rồi nộp lại.",
                "The server did not accept the submission because the report has errors: fix the fields marked as wrong and submit again.",
            ),
            T::RefusedShape => (
                "Máy chủ không nhận thay đổi vì nó không đúng mẫu báo cáo",
                "The server refused the change because it does not fit the report's template",
            ),
            T::SubmittedOutOfLimits => (
                "Báo cáo đã nộp nên không nhận giá trị ngoài giới hạn của mục; giá trị cũ vẫn được giữ. Hãy nhập lại giá trị đúng.",
                "The report is submitted, so it takes no value outside the field's limits; the previous value is kept. Enter a correct value.",
            ),
            T::RefusedOutOfLimits => (
                "Báo cáo đã nộp: máy chủ không nhận giá trị ngoài giới hạn của mục. Hãy sửa lại giá trị đó.",
                "The report is submitted: the server takes no value outside a field's limits. Correct that value.",
            ),
            T::RefusedNotARepair => (
                "Quản trị viên chỉ được sửa các giá trị sai quy định của mục, không sửa nội dung khác.",
                "An administrator may only correct values that break their field's rules, nothing else.",
            ),
            T::RefusedRoundClosed => (
                "Đợt báo cáo đã đóng nên máy chủ không nhận thay đổi. Thay đổi vẫn được giữ trên máy; khi đợt được mở lại, máy sẽ tự gửi.",
                "The reporting round is closed, so the server takes no change. Your change is kept on this phone and is sent when the round reopens.",
            ),
            T::ReadOnlyRoundClosed => (
                "Đợt báo cáo đã đóng nên báo cáo không sửa được, cho đến khi đợt được mở lại.",
                "The reporting round is closed: this report cannot be changed until the round is reopened.",
            ),
            T::ReadOnlyApproved => (
                "Báo cáo đã được duyệt nên không sửa được; cấp trên có thể mở lại.",
                "This report is approved and cannot be changed; the reviewing unit can reopen it.",
            ),
            T::KeepValue => ("Giữ giá trị này", "Keep this value"),
            T::ConflictsTitle => ("Giá trị bị sửa cùng lúc", "Values changed at the same time"),
            T::NoConflicts => (
                "Không có giá trị nào bị sửa cùng lúc.",
                "No values were changed at the same time.",
            ),
            T::OpenToResolve => (
                "Mở báo cáo để chọn giá trị",
                "Open the report to choose a value",
            ),
            T::SubmissionTitle => ("Tình hình nộp báo cáo", "Submissions"),
            T::OnTime => ("Đúng hạn", "On time"),
            T::Late => ("Trễ hạn", "Late"),
            T::LastSync => ("Đồng bộ lần cuối", "Last sync"),
            T::SubmittedAt => ("Nộp lúc", "Submitted at"),
            T::Status => ("Trạng thái", "Status"),
            T::ConsolidatedReport => ("Báo cáo tổng hợp", "Consolidated report"),
            T::DownloadDocx => ("Tải báo cáo (.docx)", "Download the report (.docx)"),
            T::DownloadXlsx => ("Tải số liệu (.xlsx)", "Download the data (.xlsx)"),
            T::DownloadCsv => ("Tải số liệu (.csv)", "Download the data (.csv)"),
            T::Downloading => ("Đang tải xuống…", "Downloading…"),
            T::DownloadFailed => ("Không tải được tệp", "The file could not be downloaded"),
            T::ReportPreview => ("Xem trước báo cáo", "Report preview"),
            T::ReportPreviewHint => (
                "Đúng nội dung của tệp .docx, từ số liệu đã lên máy chủ; phần đơn vị vừa viết hiện ở đây khi đã đồng bộ.",
                "The text of the .docx, from the data on the server; what your unit just wrote shows here once it has synced.",
            ),
            T::Refresh => ("Làm mới", "Refresh"),
            T::OwnNarratives => (
                "Nội dung đơn vị viết trong báo cáo",
                "What your unit writes in the report",
            ),
            T::OpenOwnReport => (
                "Mở báo cáo của đơn vị (số liệu, số văn bản, người ký)",
                "Open your unit's report (figures, number, signer)",
            ),
        };
        match lang {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// "Đã lên máy chủ lúc 14:05" — when the server last confirmed holding everything.
pub fn on_server_at(lang: Lang, when: &str) -> String {
    match lang {
        Lang::Vi => format!("Đã lên máy chủ lúc {when}"),
        Lang::En => format!("On the server since {when}"),
    }
}

/// "3 báo cáo chưa lên máy chủ".
pub fn not_on_server(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Vi, n) => format!("{n} báo cáo chưa lên máy chủ"),
        (Lang::En, 1) => "1 report not on the server yet".into(),
        (Lang::En, n) => format!("{n} reports not on the server yet"),
    }
}

/// The warning before logging out with unsynced reports: they would be deleted.
pub fn logout_warning(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Vi, n) => format!(
            "{n} báo cáo chưa lên máy chủ. Đăng xuất bây giờ sẽ xoá các thay đổi đó khỏi máy này."
        ),
        (Lang::En, 1) => {
            "1 report is not on the server yet. Logging out now deletes its changes from this phone.".into()
        }
        (Lang::En, n) => format!(
            "{n} reports are not on the server yet. Logging out now deletes their changes from this phone."
        ),
    }
}

/// "Máy chủ báo lỗi 500".
pub fn server_error(lang: Lang, code: u16) -> String {
    match lang {
        Lang::Vi => format!("Máy chủ báo lỗi {code}"),
        Lang::En => format!("The server answered with error {code}"),
    }
}

/// The server refused an administrator's action and said why (in English:
/// the reasons name ids, periods and fields as the commands do).
pub fn refused(lang: Lang, why: &str) -> String {
    match lang {
        Lang::Vi => format!("Máy chủ từ chối: {why}"),
        Lang::En => format!("The server refused: {why}"),
    }
}

/// Too many failed logins: "try again in 8 seconds / 3 minutes", from the
/// server's `Retry-After` (the wait grows with each failure, from a second
/// to minutes); without it, "in a few minutes".
pub fn try_again_after(lang: Lang, secs: Option<u64>) -> String {
    let Some(secs) = secs else {
        return T::LoginTooMany.get(lang).to_string();
    };
    let (n, vi, en) = if secs < 120 {
        let n = secs.max(1);
        (n, "giây", if n == 1 { "second" } else { "seconds" })
    } else {
        (secs.div_ceil(60), "phút", "minutes")
    };
    match lang {
        Lang::Vi => format!("Đăng nhập sai nhiều lần: hãy thử lại sau {n} {vi}."),
        Lang::En => format!("Too many failed logins: try again in {n} {en}."),
    }
}

/// An answer the app cannot read, with the decoder's reason.
pub fn unreadable_answer(lang: Lang, why: &str) -> String {
    match lang {
        Lang::Vi => format!("Dữ liệu từ máy chủ không đọc được ({why})"),
        Lang::En => format!("Unreadable answer from the server ({why})"),
    }
}

/// "12/40 mục đã nhập": the form's progress.
pub fn progress(lang: Lang, filled: usize, total: usize) -> String {
    format!("{filled}/{total} {}", T::Progress.get(lang))
}

/// A decimal field's unclear "1.234": the two ways to write what was meant.
pub fn unclear_dot(lang: Lang, whole: &str, decimal: &str) -> String {
    match lang {
        Lang::Vi => format!(
            "Dấu chấm chưa rõ nghĩa: viết {whole} nếu là số nguyên, {decimal} nếu là số thập phân"
        ),
        Lang::En => {
            format!("Unclear dot: write {whole} for a whole number, {decimal} for a decimal")
        }
    }
}

/// "2 lỗi" for a section header.
pub fn errors_count(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Vi, n) => format!("{n} lỗi"),
        (Lang::En, 1) => "1 error".into(),
        (Lang::En, n) => format!("{n} errors"),
    }
}

/// The noun for a number of org units of a kind: "19/19 xã", "6/19 communes".
pub fn unit_noun(lang: Lang, kind: &str) -> String {
    let (vi, en) = match kind {
        "province" => ("tỉnh", "provinces"),
        "district" => ("huyện", "districts"),
        "commune" => ("xã", "communes"),
        "village" => ("thôn", "villages"),
        other => (other, other),
    };
    match lang {
        Lang::Vi => vi.to_string(),
        Lang::En => en.to_string(),
    }
}

/// Summary line of a round on the district page.
pub fn completeness(
    lang: Lang,
    submitted: usize,
    in_progress: usize,
    not_started: usize,
) -> String {
    match lang {
        Lang::Vi => {
            format!("Đã nộp: {submitted} · Đang làm: {in_progress} · Chưa bắt đầu: {not_started}")
        }
        Lang::En => format!(
            "Submitted: {submitted} · In progress: {in_progress} · Not started: {not_started}"
        ),
    }
}

/// Why the server refused this phone's changes, from the refusal's code.
pub fn refusal(lang: Lang, code: &str) -> String {
    use shared::workflow::Refusal;
    match Refusal::from_code(code) {
        Some(Refusal::Approved) => T::RefusedApproved.get(lang).to_string(),
        Some(Refusal::ReviewOnly) => T::RefusedReviewOnly.get(lang).to_string(),
        Some(Refusal::History) => T::RefusedHistory.get(lang).to_string(),
        Some(Refusal::Invalid) => T::RefusedInvalid.get(lang).to_string(),
        Some(Refusal::OutOfLimits) => T::RefusedOutOfLimits.get(lang).to_string(),
        Some(Refusal::NotARepair) => T::RefusedNotARepair.get(lang).to_string(),
        Some(Refusal::RoundClosed) => T::RefusedRoundClosed.get(lang).to_string(),
        None => match shared::report::shape::ShapeReason::from_code(code) {
            Some(r) => format!("{} ({}).", T::RefusedShape.get(lang), shape_reason(lang, r)),
            None => format!("{}: {code}", T::RefusedOther.get(lang)),
        },
    }
}

/// What a change did to the report's shape (`shared::report::shape`), in
/// words: only a client with a bug (or not ours) writes such a change.
fn shape_reason(lang: Lang, r: shared::report::shape::ShapeReason) -> &'static str {
    use shared::report::shape::ShapeReason as R;
    let (vi, en) = match r {
        R::Identity => (
            "đổi mẫu, đơn vị hoặc kỳ của báo cáo",
            "it changes the report's template, unit or period",
        ),
        R::Container => (
            "xoá hoặc thay một phần của báo cáo",
            "it deletes or replaces a part of the report",
        ),
        R::Type => (
            "một giá trị không đúng kiểu của mục",
            "a value does not have its field's type",
        ),
        R::UnknownKey => (
            "một mục không có trong mẫu",
            "an entry the template does not have",
        ),
        R::Status => (
            "trạng thái không phải của quy trình",
            "a status outside the workflow",
        ),
        R::History => (
            "lịch sử xử lý bị sửa hoặc ghi sai",
            "the history was edited or written wrongly",
        ),
    };
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// A workflow step in words.
pub fn step(lang: Lang, step: shared::workflow::Step) -> &'static str {
    use shared::workflow::Step;
    match step {
        Step::Submit => T::StepSubmit,
        Step::Return => T::StepReturn,
        Step::Approve => T::StepApprove,
        Step::Reopen => T::StepReopen,
    }
    .get(lang)
}

/// The button that takes a workflow step.
pub fn step_action(lang: Lang, step: shared::workflow::Step) -> &'static str {
    use shared::workflow::Step;
    match step {
        Step::Submit => T::Submit,
        Step::Return => T::Return,
        Step::Approve => T::Approve,
        Step::Reopen => T::Reopen,
    }
    .get(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_wait_is_said_in_seconds_then_minutes() {
        assert_eq!(
            try_again_after(Lang::Vi, Some(8)),
            "Đăng nhập sai nhiều lần: hãy thử lại sau 8 giây."
        );
        assert_eq!(
            try_again_after(Lang::En, Some(0)),
            "Too many failed logins: try again in 1 second."
        );
        assert_eq!(
            try_again_after(Lang::En, Some(121)),
            "Too many failed logins: try again in 3 minutes."
        );
        assert_eq!(
            try_again_after(Lang::Vi, None),
            T::LoginTooMany.get(Lang::Vi)
        );
    }
}
