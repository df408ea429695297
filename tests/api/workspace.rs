//! The negotiators' workspace over HTTP, on both databases: three people
//! (Kent's GO negotiator, Kent's officer, a Minister's office) sign in and
//! take Kent's agreement from its sixteen statutory targets to sign-off
//! through the forms alone; a double submission records nothing twice; a
//! form drawn before another change is a conflict that can be sent again;
//! the 36th designated target is refused with an error summary linked to
//! the field; and the session rules hold (anti-forgery token, another
//! area's agreement refused as gRPC refuses it, revocation and sign-out
//! end a session at once, sign-in attempts limited, cross-site posts
//! refused). The browser suite walks the same pages in Chromium.

use std::net::SocketAddr;
use std::time::Duration;

use laa_proto::v1 as pb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

/// Serves the public pages with the workspace nested, over an engine on
/// the test server's store (as `laa serve --http-listen` does); the address.
pub async fn serve_workspace(app: &TestApp) -> SocketAddr {
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a second engine");
    let serving = laa_server::Serving::start_open(grpc, app.config.clone(), app.store.clone())
        .await
        .expect("start an engine");
    let engine = serving.engine().expect("the engine is open");
    tokio::spawn(serving.run_until(std::future::pending()));
    let workspace = laa_workspace::Workspace::new(engine, &app.store, false);
    let router = laa_web::router(app.store.queries(), laa_web::Changes::unfollowed())
        .nest(laa_workspace::ROOT, laa_workspace::router(workspace));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the pages");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

/// The first `n` National Indicators active and not statutory in the 2007
/// set: indicators Kent's agreement may designate.
pub fn designatable(app: &TestApp, n: usize) -> Vec<i32> {
    let catalogue = app.store.catalogue();
    let set = laa_core::SetVersion::new(2007).expect("2007");
    catalogue
        .indicators()
        .filter(|i| {
            !i.statutory && i.status_in(set) == Some(laa_core::catalogue::IndicatorStatus::Active)
        })
        .map(|i| i32::from(i.number.get()))
        .take(n)
        .collect()
}

/// One answer over HTTP/1.1.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A person at a browser without script: a cookie jar of one cookie.
pub struct Visitor {
    pub address: SocketAddr,
    pub cookie: Option<String>,
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Visitor {
    pub fn at(address: SocketAddr) -> Self {
        Self {
            address,
            cookie: None,
        }
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: &str,
    ) -> Answer {
        let mut stream = tokio::net::TcpStream::connect(self.address)
            .await
            .expect("connect");
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if method == "POST"
            && !extra
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        if let Some(cookie) = &self.cookie {
            request.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        for (n, v) in extra {
            request.push_str(&format!("{n}: {v}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut raw))
            .await
            .expect("an answer within 60 s")
            .expect("read");
        // A download may be binary (XLSX): its text is for assertions only.
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        if let Some((_, set)) = headers.iter().find(|(n, _)| n == "set-cookie") {
            let pair = set.split(';').next().unwrap_or_default().to_owned();
            self.cookie = pair
                .split_once('=')
                .filter(|(_, v)| !v.is_empty())
                .map(|_| pair.clone());
        }
        Answer {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.send("GET", path, &[], "").await
    }

    pub async fn post(&mut self, path: &str, fields: &[(String, String)]) -> Answer {
        let body = fields
            .iter()
            .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send("POST", path, &[], &body).await
    }

    /// Signs in by pasting `token`.
    pub async fn sign_in(&mut self, token: &str) -> Answer {
        self.post("/workspace/sign-in", &[("token".into(), token.into())])
            .await
    }

    /// Opens `page`, fills the form of `command` with `fields` over its
    /// hidden ones, and sends it.
    pub async fn submit(&mut self, page: &str, command: &str, fields: &[(&str, &str)]) -> Answer {
        let shown = self.get(page).await;
        assert_eq!(shown.status, 200, "{page}: {}", shown.body);
        self.submit_from(&shown.body, command, fields).await
    }

    /// Sends the form of `command` as drawn in `html`.
    pub async fn submit_from(
        &mut self,
        html: &str,
        command: &str,
        fields: &[(&str, &str)],
    ) -> Answer {
        let mut values = form_values(html, command);
        for (n, v) in fields {
            values.retain(|(name, _)| name != n);
            values.push(((*n).to_owned(), (*v).to_owned()));
        }
        let action = form_action(html, command);
        self.post(&action, &values).await
    }
}

/// The form of `command` in a page.
fn form<'a>(html: &'a str, command: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"form-{command}\""))
        .unwrap_or_else(|| panic!("no {command} form on the page:\n{html}"));
    let rest = &html[start..];
    &rest[..rest.find("</form>").expect("the form ends")]
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')?;
    Some(
        tag[start..start + end]
            .replace("&amp;", "&")
            .replace("&quot;", "\""),
    )
}

/// The hidden fields of the form of `command`.
pub fn hidden_fields(html: &str, command: &str) -> Vec<(String, String)> {
    form(html, command)
        .split("<input")
        .skip(1)
        .filter(|tag| tag.contains("type=\"hidden\""))
        .filter_map(|tag| Some((attribute(tag, "name")?, attribute(tag, "value")?)))
        .collect()
}

/// What a browser sends for the form of `command` as drawn: every input
/// with its value (a checkbox only when checked), every textarea's text,
/// every select's chosen option.
pub fn form_values(html: &str, command: &str) -> Vec<(String, String)> {
    let form = form(html, command);
    let unescape = |t: &str| {
        t.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    };
    let mut values = Vec::new();
    for tag in form.split("<input").skip(1) {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        let Some(name) = attribute(tag, "name") else {
            continue;
        };
        if tag.contains("type=\"checkbox\"") && !tag.contains(" checked") {
            continue;
        }
        values.push((name, attribute(tag, "value").unwrap_or_default()));
    }
    for chunk in form.split("<textarea").skip(1) {
        let (open, rest) = chunk.split_once('>').expect("a textarea's tag ends");
        let text = &rest[..rest.find("</textarea>").expect("a textarea ends")];
        if let Some(name) = attribute(open, "name") {
            values.push((name, unescape(text)));
        }
    }
    for chunk in form.split("<select").skip(1) {
        let (open, rest) = chunk.split_once('>').expect("a select's tag ends");
        let options = &rest[..rest.find("</select>").expect("a select ends")];
        let chosen = options
            .split("<option")
            .skip(1)
            .find(|o| {
                o.split('>')
                    .next()
                    .unwrap_or_default()
                    .contains(" selected")
            })
            .or_else(|| options.split("<option").nth(1))
            .and_then(|o| attribute(o, "value"))
            .unwrap_or_default();
        if let Some(name) = attribute(open, "name") {
            values.push((name, chosen));
        }
    }
    values
}

fn form_action(html: &str, command: &str) -> String {
    attribute(form(html, command), "action").expect("the form's action")
}

/// True when a page offers the form of `command`, or the way to its
/// check page.
pub fn offers(html: &str, command: &str) -> bool {
    html.contains(&format!("id=\"form-{command}\""))
        || html.contains(&format!("id=\"check-{command}\""))
}

/// The check page of a command that settles the whole agreement.
fn check_page(command: &str) -> String {
    format!("{AGREEMENT_PAGE}?check={command}")
}

fn target_page(target: u32) -> String {
    format!("/workspace/agreements/kent-2008-11/targets/{target}")
}

const AGREEMENT_PAGE: &str = "/workspace/agreements/kent-2008-11";

const STATUTORY_TERMS: &[(&str, &str)] = &[
    ("baseline", "60"),
    ("baseline_period", "2007"),
    ("year-2008-09", "60"),
    ("year-2009-10", "60"),
    ("year-2010-11", "60"),
    ("unit", "percent"),
    ("rationale", "The DCSF floor, from the 2007 results"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_people_take_kents_agreement_to_sign_off_through_the_forms() {
    for_each_database(|app| async move {
        let mut go_grpc = app.clients(Some(&app.tokens.go)).await;
        open_kent(&mut go_grpc).await;
        let address = serve_workspace(&app).await;

        // The GO negotiator signs in; the cookie is the session's alone.
        let mut go = Visitor::at(address);
        let signed = go.sign_in(&app.tokens.go).await;
        assert_eq!(signed.status, 303, "{}", signed.body);
        let cookie = signed.header("set-cookie").expect("a session cookie");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
            assert!(cookie.contains(flag), "{flag} missing: {cookie}");
        }
        assert!(
            !cookie.contains(&app.tokens.go),
            "the token is not the cookie"
        );

        // Sixteen statutory targets wait on both sides for terms.
        let inbox = go.get("/workspace").await;
        assert_eq!(inbox.status, 200);
        assert_eq!(
            inbox
                .body
                .matches("Offer terms for statutory target")
                .count(),
            16,
            "{}",
            inbox.body
        );
        assert!(
            !inbox.body.contains("overdue refresh"),
            "a draft has no refresh to hold"
        );
        let csp = inbox.header("content-security-policy").expect("a CSP");
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("script-src"),
            "{csp}"
        );
        assert_eq!(inbox.header("cache-control"), Some("no-store"));

        let mut kent = Visitor::at(address);
        assert_eq!(kent.sign_in(&app.tokens.kent).await.status, 303);
        for target in 1..=16 {
            let offered = go
                .submit(&target_page(target), "CounterOffer", STATUTORY_TERMS)
                .await;
            assert_eq!(offered.status, 303, "offer on {target}: {}", offered.body);
            let page = kent.get(&target_page(target)).await;
            assert!(page.body.contains("Waiting on you"), "{}", page.body);
            assert!(
                page.body.contains("The DCSF floor"),
                "the thread shows the rationale"
            );
            let accepted = kent.submit_from(&page.body, "AcceptOffer", &[]).await;
            assert_eq!(accepted.status, 303, "accept {target}: {}", accepted.body);
        }

        // A double click: the same form twice records one change.
        let page = go.get(AGREEMENT_PAGE).await;
        let proposal = [
            ("indicator_number", "NI 117"),
            ("baseline", "8"),
            ("baseline_period", "2007"),
            ("year-2008-09", "7.5"),
            ("year-2009-10", "7"),
            ("year-2010-11", "6.5"),
            ("unit", "percent"),
            ("rationale", "NEET is the county's first priority"),
            ("department", "DCSF"),
        ];
        let before = app.event_count("kent-2008-11").await;
        let first = go.submit_from(&page.body, "ProposeTarget", &proposal).await;
        let again = go.submit_from(&page.body, "ProposeTarget", &proposal).await;
        assert_eq!((first.status, again.status), (303, 303), "{}", again.body);
        assert!(
            again
                .header("location")
                .unwrap_or_default()
                .contains("replayed=1")
        );
        assert_eq!(app.event_count("kent-2008-11").await, before + 1);
        let proposed = go
            .get(first.header("location").expect("to the target"))
            .await;
        assert!(
            proposed.body.contains("Success"),
            "the banner says it is done"
        );

        // Kent counters from a page drawn before the GO's next change:
        // the conflict names what changed and the form comes back with
        // the officer's values, to send again.
        let stale = kent.get(&target_page(17)).await;
        assert!(offers(&stale.body, "CounterOffer"));
        let page = go.get(AGREEMENT_PAGE).await;
        let advice = go
            .submit_from(
                &page.body,
                "RecordRefusedRequest",
                &[
                    ("indicator_number", "NI 5"),
                    ("department", "CLG"),
                    ("rationale", "Outside the county's priorities"),
                ],
            )
            .await;
        assert_eq!(advice.status, 303, "{}", advice.body);
        let counter = [
            ("baseline", "8"),
            ("baseline_period", "2007"),
            ("year-2008-09", "7.8"),
            ("year-2009-10", "7.4"),
            ("year-2010-11", "7"),
            ("unit", "percent"),
            ("rationale", "A recession is coming"),
        ];
        let conflict = kent
            .submit_from(&stale.body, "CounterOffer", &counter)
            .await;
        assert_eq!(conflict.status, 409, "{}", conflict.body);
        assert!(
            conflict.body.contains("changed while you were working"),
            "{}",
            conflict.body
        );
        assert!(
            conflict.body.contains("request refused by gose:negotiator"),
            "{}",
            conflict.body
        );
        assert!(
            conflict.body.contains("A recession is coming"),
            "the form keeps the values"
        );
        let resent = kent.submit_from(&conflict.body, "CounterOffer", &[]).await;
        assert_eq!(resent.status, 303, "{}", resent.body);
        let page = go.get(&target_page(17)).await;
        let accepted = go.submit_from(&page.body, "AcceptOffer", &[]).await;
        assert_eq!(accepted.status, 303, "{}", accepted.body);

        // A form without the session's anti-forgery token records nothing.
        let before = app.event_count("kent-2008-11").await;
        let page = kent.get(&check_page("EndorseAgreement")).await;
        let mut fields = hidden_fields(&page.body, "EndorseAgreement");
        fields.retain(|(n, _)| n != "csrf");
        let forged = kent
            .post(&form_action(&page.body, "EndorseAgreement"), &fields)
            .await;
        assert_eq!(forged.status, 403);
        assert_eq!(app.event_count("kent-2008-11").await, before);

        // The area endorses; the GO sees it waiting and submits.
        assert_eq!(
            kent.submit(&check_page("EndorseAgreement"), "EndorseAgreement", &[])
                .await
                .status,
            303
        );
        let inbox = go.get("/workspace").await;
        assert!(
            inbox.body.contains("Submit the agreement to Ministers"),
            "{}",
            inbox.body
        );
        assert!(
            !offers(&go.get(AGREEMENT_PAGE).await.body, "SignOffAgreement"),
            "the GO cannot sign off"
        );
        assert_eq!(
            go.submit(&check_page("SubmitAgreement"), "SubmitAgreement", &[])
                .await
                .status,
            303
        );

        // The Minister's office signs in by a one-time link and signs off.
        let (token, _) = app
            .store
            .credentials()
            .issue_token(
                laa_core::Role::SignOff,
                laa_core::Scope::National,
                "clg:private-office",
            )
            .await
            .expect("a sign-off token");
        let code = app
            .store
            .sessions()
            .issue_sign_in_link(&token, Duration::from_secs(3600))
            .await
            .expect("a sign-in link");
        let link = format!("/workspace/sign-in/link/{code}");
        let mut minister = Visitor::at(address);
        assert_eq!(
            minister.get(&link).await.status,
            200,
            "a GET does not spend the link"
        );
        assert_eq!(minister.post(&link, &[]).await.status, 303);
        assert_eq!(
            Visitor::at(address).post(&link, &[]).await.status,
            401,
            "the link works once"
        );
        let spent = Visitor::at(address).get(&link).await;
        assert!(
            spent.status == 401
                && spent.body.contains("This link cannot be used")
                && !spent.body.contains(">Continue<"),
            "a spent link says so at once, with no Continue: {} {}",
            spent.status,
            spent.body
        );
        let inbox = minister.get("/workspace").await;
        assert!(
            inbox.body.contains("Sign off or return the agreement"),
            "{}",
            inbox.body
        );
        // Signing off is done from a page that shows every target and its
        // terms first; the agreement's page only leads there.
        let agreement = minister.get(AGREEMENT_PAGE).await;
        assert!(offers(&agreement.body, "SignOffAgreement"));
        assert!(!agreement.body.contains("id=\"form-SignOffAgreement\""));
        let before = app.event_count("kent-2008-11").await;
        let check = minister.get(&check_page("SignOffAgreement")).await;
        assert_eq!(check.status, 200);
        assert!(
            check
                .body
                .contains("Check the agreement before you sign it off")
                && check.body.contains("NI 117")
                && check.body.contains("2009/10: 7.4, 2010/11: 7 (percent)"),
            "every target with its terms: {}",
            check.body
        );
        assert_eq!(
            app.event_count("kent-2008-11").await,
            before,
            "looking records nothing"
        );
        let signed_off = minister
            .submit(&check_page("SignOffAgreement"), "SignOffAgreement", &[])
            .await;
        assert_eq!(signed_off.status, 303, "{}", signed_off.body);

        // The citizens' page shows the result.
        let public = Visitor::at(address).get("/areas/kent").await;
        assert_eq!(public.status, 200);
        assert!(
            public.body.contains("NEET") || public.body.contains("117"),
            "{}",
            public.body
        );
        let grpc = go_grpc
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .expect("read")
            .into_inner();
        assert_eq!(grpc.status, pb::AgreementStatus::Agreed as i32);

        // CLG's auditor sees the sign-off among the recent activity.
        let mut auditor = Visitor::at(address);
        auditor.sign_in(&app.tokens.auditor).await;
        let inbox = auditor.get("/workspace").await;
        assert!(
            inbox.body.contains("agreement signed off"),
            "{}",
            inbox.body
        );
        assert!(inbox.body.contains("clg:private-office"), "{}", inbox.body);
    })
    .await;
}

/// Kent's agreement opened, and its two negotiators signed in to the
/// workspace: the GO's and Kent's.
async fn kents_negotiators(app: &TestApp) -> (SocketAddr, Visitor, Visitor) {
    let mut go_grpc = app.clients(Some(&app.tokens.go)).await;
    open_kent(&mut go_grpc).await;
    let address = serve_workspace(app).await;
    let mut go = Visitor::at(address);
    go.sign_in(&app.tokens.go).await;
    let mut kent = Visitor::at(address);
    kent.sign_in(&app.tokens.kent).await;
    (address, go, kent)
}

/// Two people at work on different targets of one agreement do not get in
/// each other's way: a form drawn before a change to another target is
/// decided on the agreement as it stands, without a conflict. A change to
/// the form's own target, or to the whole agreement, still is one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_to_another_target_is_no_conflict_but_one_to_the_same_target_is() {
    for_each_database(|app| async move {
        let (_, mut go, mut kent) = kents_negotiators(&app).await;
        for target in 1..=3 {
            let offered = go
                .submit(&target_page(target), "CounterOffer", STATUTORY_TERMS)
                .await;
            assert_eq!(offered.status, 303, "{}", offered.body);
        }

        // Target 1's page drawn, then target 2 accepted in another tab.
        let stale = kent.get(&target_page(1)).await;
        let other = kent.submit(&target_page(2), "AcceptOffer", &[]).await;
        assert_eq!(other.status, 303, "{}", other.body);
        let accepted = kent.submit_from(&stale.body, "AcceptOffer", &[]).await;
        assert_eq!(accepted.status, 303, "no conflict: {}", accepted.body);
        let before = app.event_count("kent-2008-11").await;
        let again = kent.submit_from(&stale.body, "AcceptOffer", &[]).await;
        assert_eq!(again.status, 303, "a double click: {}", again.body);
        assert_eq!(
            app.event_count("kent-2008-11").await,
            before,
            "recorded once"
        );

        // Target 3's page drawn, then its offer countered in another tab:
        // accepting from the old page is a conflict.
        let stale = kent.get(&target_page(3)).await;
        let mut counter = STATUTORY_TERMS.to_vec();
        counter.retain(|(name, _)| *name != "year-2010-11");
        counter.push(("year-2010-11", "62"));
        let countered = kent.submit(&target_page(3), "CounterOffer", &counter).await;
        assert_eq!(countered.status, 303, "{}", countered.body);
        let refused = kent.submit_from(&stale.body, "AcceptOffer", &[]).await;
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert!(
            refused.body.contains("changed while you were working"),
            "{}",
            refused.body
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_36th_designated_target_is_refused_with_an_error_summary() {
    for_each_database(|app| async move {
        let mut go_grpc = app.clients(Some(&app.tokens.go)).await;
        let mut v = open_kent(&mut go_grpc).await;
        let numbers = designatable(&app, 36);
        for n in &numbers[..35] {
            v = go_grpc
                .agreements
                .propose_target(go_proposal(v, *n, fitting(*n), "CLG"))
                .await
                .unwrap_or_else(|e| panic!("propose NI {n}: {e:?}"))
                .into_inner()
                .agreement
                .expect("agreement")
                .version;
        }
        let address = serve_workspace(&app).await;
        let mut go = Visitor::at(address);
        go.sign_in(&app.tokens.go).await;
        let page = go.get(AGREEMENT_PAGE).await;
        assert!(
            page.body.contains("35 of 35 designated targets used"),
            "the gauge"
        );
        let number = format!("NI {}", numbers[35]);
        let refused = go
            .submit_from(
                &page.body,
                "ProposeTarget",
                &[
                    ("indicator_number", &number),
                    ("baseline", "50"),
                    ("baseline_period", "2007"),
                    ("year-2008-09", "52"),
                    ("year-2009-10", "54"),
                    ("year-2010-11", "56"),
                    ("rationale", "One more"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        let summary = &refused.body[refused
            .body
            .find("error-summary")
            .expect("an error summary")..];
        assert!(summary.contains("href=\"#indicator_number\""), "{summary}");
        assert!(
            summary.contains("35"),
            "the reason's words name the cap: {summary}"
        );
        assert_eq!(
            app.event_count("kent-2008-11").await,
            v as u64,
            "nothing recorded"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_on_revocation_and_sign_out_and_scopes_hold() {
    for_each_database(|app| async move {
        let mut go_grpc = app.clients(Some(&app.tokens.go)).await;
        open_kent(&mut go_grpc).await;
        let address = serve_workspace(&app).await;

        // Another area's officer is refused Kent's page as gRPC refuses
        // the call (PERMISSION_DENIED: 403), and learns nothing of it.
        let mut surrey = Visitor::at(address);
        surrey.sign_in(&app.tokens.surrey).await;
        let refused = surrey.get(AGREEMENT_PAGE).await;
        let mut surrey_grpc = app.clients(Some(&app.tokens.surrey)).await;
        let code = surrey_grpc
            .agreements
            .get_agreement(pb::GetAgreementRequest { name: KENT.into() })
            .await
            .expect_err("refused")
            .code();
        assert_eq!((refused.status, code), (403, tonic::Code::PermissionDenied));
        assert!(!refused.body.contains("NI 72"), "{}", refused.body);

        // Signing out ends the session; the old cookie no longer works.
        let mut kent = Visitor::at(address);
        kent.sign_in(&app.tokens.kent).await;
        let old = kent.cookie.clone();
        let page = kent.get("/workspace").await;
        let csrf = hidden_value(&page.body, "csrf");
        let out = kent
            .post("/workspace/sign-out", &[("csrf".into(), csrf)])
            .await;
        assert_eq!(out.status, 303);
        let location = out.header("location").expect("to the sign-in page");
        let signed_out = Visitor::at(address).get(location).await;
        assert!(
            signed_out.body.contains("You have signed out"),
            "the sign-in page says so: {}",
            signed_out.body
        );
        assert!(
            !Visitor::at(address)
                .get("/workspace/sign-in")
                .await
                .body
                .contains("You have signed out"),
            "and only after signing out"
        );
        let mut replay = Visitor {
            address,
            cookie: old,
        };
        let after = replay.get("/workspace").await;
        assert_eq!(after.status, 303);
        assert_eq!(after.header("location"), Some("/workspace/sign-in"));

        // Revoking the token ends its sessions at once.
        let mut go = Visitor::at(address);
        go.sign_in(&app.tokens.go).await;
        assert_eq!(go.get("/workspace").await.status, 200);
        let id = app
            .store
            .credentials()
            .check_token_now(&app.tokens.go)
            .await
            .expect("check")
            .token_id()
            .cloned()
            .expect("an id");
        app.store
            .credentials()
            .revoke_token(&id)
            .await
            .expect("revoke");
        assert_eq!(
            go.get("/workspace").await.status,
            303,
            "signed out by the revocation"
        );
        assert_eq!(go.sign_in(&app.tokens.go).await.status, 401);

        // A sign-in posted from another site is refused unread.
        let mut forged = Visitor::at(address);
        let body = format!("token={}", app.tokens.kent);
        let answer = forged
            .send(
                "POST",
                "/workspace/sign-in",
                &[("Sec-Fetch-Site", "cross-site")],
                &body,
            )
            .await;
        assert_eq!(answer.status, 403);
        assert!(forged.cookie.is_none());

        // Sign-in attempts are limited per address.
        let mut guesser = Visitor::at(address);
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(guesser.sign_in("laa_0000").await.status);
        }
        assert!(statuses.contains(&429), "{statuses:?}");
    })
    .await;
}

fn hidden_value(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key).expect("the field") + key.len();
    html[start..start + html[start..].find('"').expect("ends")].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrator_runs_the_reference_data_and_a_go_opens_an_agreement() {
    for_each_database(|app| async move {
        let address = serve_workspace(&app).await;
        let mut admin = Visitor::at(address);
        assert_eq!(admin.sign_in(&app.tokens.admin).await.status, 303);

        // A draft set with a line that does not parse is refused whole.
        let sets = "/workspace/indicator-sets";
        let bad = admin
            .submit(
                sets,
                "CreateIndicatorSet",
                &[
                    ("version", "2011"),
                    ("based_on", "2008"),
                    ("edits", "withdraw 12\nremove everything"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains("href=\"#edits\""), "{}", bad.body);
        let drafted = admin
            .submit_from(&bad.body, "CreateIndicatorSet", &[("edits", "withdraw 12")])
            .await;
        assert_eq!(drafted.status, 303, "{}", drafted.body);

        // Kent's officer comments during the consultation.
        let mut kent = Visitor::at(address);
        kent.sign_in(&app.tokens.kent).await;
        let inbox = kent.get("/workspace").await;
        assert!(
            inbox
                .body
                .contains("Comment on the draft 2011 indicator set"),
            "{}",
            inbox.body
        );
        let page = kent.get(sets).await;
        assert!(
            !offers(&page.body, "PublishIndicatorSet-2011"),
            "only administrators publish"
        );
        let commented = kent
            .submit_from(
                &page.body,
                "CommentOnIndicatorSet-2011",
                &[("text", "Keep NI 12: Kent uses it")],
            )
            .await;
        assert_eq!(commented.status, 303, "{}", commented.body);
        assert!(
            admin
                .get(sets)
                .await
                .body
                .contains("Keep NI 12: Kent uses it")
        );

        // Publishing during the consultation is refused in the reason's words.
        let early = admin.submit(sets, "PublishIndicatorSet-2011", &[]).await;
        assert_eq!(early.status, 422, "{}", early.body);
        assert!(early.body.contains("error-summary"), "{}", early.body);

        // A round and an area.
        let round = admin
            .submit(
                "/workspace/rounds",
                "CreateRound",
                &[
                    ("round", "2011-14"),
                    ("indicator_set", "2008"),
                    ("designated_cap", "20"),
                    ("statutory_indicators", ""),
                    ("years", "2011/12, 2012/13, 2013/14"),
                    ("refreshes", "2012 2011-12-01\n2013 2012-12-01"),
                    ("reward_per_target", "40000"),
                    ("reward_floor_percent", "60"),
                    ("reward_full_percent", "100"),
                ],
            )
            .await;
        assert_eq!(round.status, 303, "{}", round.body);
        assert!(
            admin
                .get("/workspace/rounds")
                .await
                .body
                .contains("2011-14")
        );
        let area = admin
            .submit(
                "/workspace/areas",
                "CreateArea",
                &[
                    ("code", "medway-towns"),
                    ("display_name", "Medway Towns"),
                    ("region", "REGION_SOUTH_EAST"),
                    ("kind", "unitary"),
                ],
            )
            .await;
        assert_eq!(area.status, 303, "{}", area.body);

        // The GO opens the new area's agreement in the new round, choosing
        // each from what the server holds: the South East's areas (the new
        // one among them, no London borough), every round (2008-11 chosen
        // until another is), the published sets.
        let mut go = Visitor::at(address);
        go.sign_in(&app.tokens.go).await;
        let listed = go.get("/workspace/agreements").await.body;
        let form = &listed[listed.find("form-OpenAgreement").expect("the form")..];
        for offered in [
            r#"<select class="select" id="area" name="area">"#,
            r#"<option value="medway-towns">Medway Towns</option>"#,
            r#"<option value="kent">Kent</option>"#,
            r#"<option value="2008-11" selected>2008-11 (2008/09 to 2010/11)</option>"#,
            r#"<option value="2011-14">2011-14 (2011/12 to 2013/14)</option>"#,
            r#"<select class="select" id="indicator_set" name="indicator_set">"#,
            // The default round's own set, chosen until another is.
            r#"<option value="2008" selected>2008 (198 indicators)</option>"#,
            r#"<option value="2007">"#,
        ] {
            assert!(form.contains(offered), "{offered} in {form}");
        }
        assert!(
            !form.contains("camden"),
            "a London borough offered to the South East: {form}"
        );
        assert!(
            !form.contains(r#"value="2011">"#),
            "a set in consultation offered: {form}"
        );
        assert!(!offers(
            &kent.get("/workspace/agreements").await.body,
            "OpenAgreement"
        ));
        let opened = go
            .submit(
                "/workspace/agreements",
                "OpenAgreement",
                &[
                    ("area", "medway-towns"),
                    ("round", "2011-14"),
                    ("indicator_set", "2008"),
                ],
            )
            .await;
        assert_eq!(opened.status, 303, "{}", opened.body);
        assert_eq!(
            opened.header("location"),
            Some("/workspace/agreements/medway-towns-2011-14?done=OpenAgreement")
        );
        let page = go.get("/workspace/agreements/medway-towns-2011-14").await;
        assert!(
            page.body.contains("0 of 20 designated targets used"),
            "{}",
            page.body
        );
    })
    .await;
}

impl Visitor {
    /// Sends a `multipart/form-data` form: `fields`, and one file.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(String, String)],
        file: (&str, &str, &[u8]),
    ) -> Answer {
        let boundary = "----laa-test-boundary-7d1f";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        let (name, file_name, bytes) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let body = String::from_utf8(body).expect("a text file in the tests");
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.send_typed("POST", path, &content_type, &body).await
    }

    async fn send_typed(
        &mut self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> Answer {
        self.send(method, path, &[("Content-Type", content_type)], body)
            .await
    }
}

/// Kent's sixteen statutory targets as a sheet, the fourth (sheet row 5)
/// with `unit` and `baseline`.
fn statutory_sheet(unit: &str, baseline: &str) -> String {
    let mut csv =
        String::from("indicator,unit,baseline,baseline period,2008/09,2009/10,2010/11,rationale\n");
    for (i, n) in laa_core::policy::STATUTORY_2008.iter().enumerate() {
        let (unit, baseline) = if i == 3 {
            (unit, baseline)
        } else {
            ("percent", "60")
        };
        csv.push_str(&format!(
            "NI {n},{unit},{baseline},2007,60,60,60,The DCSF floor\n"
        ));
    }
    csv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statutory_sheet_is_checked_refused_whole_corrected_and_applied() {
    for_each_database(|app| async move {
        let mut go_grpc = app.clients(Some(&app.tokens.go)).await;
        open_kent(&mut go_grpc).await;
        let address = serve_workspace(&app).await;
        let mut go = Visitor::at(address);
        go.sign_in(&app.tokens.go).await;

        // The download is a sheet of the agreement's targets.
        let download = go.get("/workspace/agreements/kent-2008-11/sheet.csv").await;
        assert_eq!(download.status, 200);
        assert!(
            download
                .header("content-disposition")
                .unwrap_or_default()
                .contains("attachment")
        );
        assert!(
            download.body.contains("NI 72") || download.body.contains(",72,"),
            "{}",
            download.body
        );
        let xlsx = go
            .get("/workspace/agreements/kent-2008-11/sheet.xlsx")
            .await;
        assert_eq!(xlsx.status, 200);
        assert!(xlsx.body.starts_with("PK"), "an XLSX workbook is a zip");
        let mut surrey = Visitor::at(address);
        surrey.sign_in(&app.tokens.surrey).await;
        assert_eq!(
            surrey
                .get("/workspace/agreements/kent-2008-11/sheet.csv")
                .await
                .status,
            403
        );
        // A round's and a region's agreements, as far as the person may read them.
        let round = go
            .get("/workspace/sheets/sheet.csv?round=2008-11&region=south-east")
            .await;
        assert!(round.body.contains("kent-2008-11"), "{}", round.body);
        let other = go.get("/workspace/sheets/sheet.csv?round=2011-14").await;
        assert!(!other.body.contains("kent-2008-11"), "{}", other.body);
        assert!(
            !surrey
                .get("/workspace/sheets/sheet.csv")
                .await
                .body
                .contains("kent-2008-11")
        );

        // A sheet whose cell cannot be read names its row and column.
        let before = app.event_count("kent-2008-11").await;
        let page = go.get(AGREEMENT_PAGE).await;
        let hidden = hidden_fields(&page.body, "ImportTargets");
        let unreadable = go
            .post_file(
                "/workspace/agreements/kent-2008-11/import",
                &hidden,
                (
                    "sheet",
                    "statutory.csv",
                    statutory_sheet("percent", "150").as_bytes(),
                ),
            )
            .await;
        assert_eq!(unreadable.status, 422, "{}", unreadable.body);
        assert!(
            unreadable.body.contains("row 5, column 'baseline'"),
            "{}",
            unreadable.body
        );

        // A sheet the engine refuses one row of (a unit that is not the
        // indicator's) is checked: that row refused by its sheet row,
        // nothing can be applied, nothing recorded.
        let checked = go
            .post_file(
                "/workspace/agreements/kent-2008-11/import",
                &hidden,
                (
                    "sheet",
                    "statutory.csv",
                    statutory_sheet("count", "60").as_bytes(),
                ),
            )
            .await;
        assert_eq!(checked.status, 422, "{}", checked.body);
        assert!(
            checked.body.contains("Row 5"),
            "the bad row is named by its sheet row: {}",
            checked.body
        );
        assert!(
            checked.body.contains("href=\"#row-5\""),
            "the summary links to the row"
        );
        assert!(
            !offers(&checked.body, "ApplyImport"),
            "nothing can be applied"
        );
        assert_eq!(app.event_count("kent-2008-11").await, before);

        // Corrected, every row is accepted; applied, all sixteen are offered at once.
        let checked = go
            .post_file(
                "/workspace/agreements/kent-2008-11/import",
                &hidden_fields(&checked.body, "ImportTargets"),
                (
                    "sheet",
                    "statutory.csv",
                    statutory_sheet("percent", "60").as_bytes(),
                ),
            )
            .await;
        assert_eq!(checked.status, 200, "{}", checked.body);
        assert_eq!(
            checked.body.matches(">Ready<").count(),
            16,
            "{}",
            checked.body
        );
        assert_eq!(
            app.event_count("kent-2008-11").await,
            before,
            "a check records nothing"
        );
        let applied = go.submit_from(&checked.body, "ApplyImport", &[]).await;
        assert_eq!(applied.status, 303, "{}", applied.body);
        assert_eq!(app.event_count("kent-2008-11").await, before + 16);
        let again = go.submit_from(&checked.body, "ApplyImport", &[]).await;
        assert!(
            again
                .header("location")
                .unwrap_or_default()
                .contains("replayed=1")
        );
        assert_eq!(
            app.event_count("kent-2008-11").await,
            before + 16,
            "applied once"
        );

        // The same sheet uploaded again restates the agreement: nothing to apply.
        let page = go.get(AGREEMENT_PAGE).await;
        let restated = go
            .post_file(
                "/workspace/agreements/kent-2008-11/import",
                &hidden_fields(&page.body, "ImportTargets"),
                (
                    "sheet",
                    "statutory.csv",
                    statutory_sheet("percent", "60").as_bytes(),
                ),
            )
            .await;
        assert!(
            restated.body.contains("there is nothing to apply"),
            "{}",
            restated.body
        );
        assert!(!offers(&restated.body, "ApplyImport"));

        // Kent's officer now has sixteen offers to answer.
        let mut kent = Visitor::at(address);
        kent.sign_in(&app.tokens.kent).await;
        let inbox = kent.get("/workspace").await;
        assert_eq!(
            inbox.body.matches("Answer the offer on NI").count(),
            16,
            "{}",
            inbox.body
        );
    })
    .await;
}

/// Defects an independent walk through the docs found (issue 25).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_an_independent_walk_stumbled_on_holds() {
    for_each_database(|app| async move {
        let (address, mut go, mut kent) = kents_negotiators(&app).await;

        // A form is not offered where the engine would refuse it: the GO
        // does not counter its own open offer, nor submit before the area
        // endorses; the area does not endorse while an offer is open, and
        // names no department.
        let offered = go
            .submit(&target_page(1), "CounterOffer", STATUTORY_TERMS)
            .await;
        assert_eq!(offered.status, 303, "{}", offered.body);
        let own = go.get(&target_page(1)).await;
        assert!(
            !offers(&own.body, "CounterOffer"),
            "the GO's own offer awaits Kent"
        );
        assert!(!offers(
            &go.get(AGREEMENT_PAGE).await.body,
            "SubmitAgreement"
        ));
        assert!(!offers(
            &kent.get(AGREEMENT_PAGE).await.body,
            "EndorseAgreement"
        ));
        let answer = kent.get(&target_page(1)).await;
        assert!(offers(&answer.body, "CounterOffer"));
        assert!(
            !form_values(&answer.body, "CounterOffer")
                .iter()
                .any(|(n, _)| n == "department")
        );

        // An emptied unit is read as the indicator's own, on a target's form too.
        let countered = kent
            .submit_from(
                &answer.body,
                "CounterOffer",
                &[
                    ("baseline", "60"),
                    ("baseline_period", "2007"),
                    ("year-2008-09", "61"),
                    ("year-2009-10", "61"),
                    ("year-2010-11", "61"),
                    ("unit", ""),
                    ("rationale", "A little more"),
                ],
            )
            .await;
        assert_eq!(countered.status, 303, "{}", countered.body);

        // Back to a form already sent, changed and sent again: not a loop
        // on a used request id, but a fresh form that records the change.
        let page = go.get(AGREEMENT_PAGE).await;
        let proposal = [
            ("indicator_number", "NI 117"),
            ("baseline", "8"),
            ("baseline_period", "2007"),
            ("year-2008-09", "7.5"),
            ("year-2009-10", "7"),
            ("year-2010-11", "6.5"),
            ("rationale", "NEET first"),
            ("department", "DCSF"),
        ];
        let first = go.submit_from(&page.body, "ProposeTarget", &proposal).await;
        assert_eq!(first.status, 303, "{}", first.body);
        let mut changed_values = proposal.to_vec();
        changed_values.push(("rationale", "Changed my mind"));
        let changed = go
            .submit_from(&page.body, "ProposeTarget", &changed_values)
            .await;
        assert_ne!(changed.status, 303, "the old form records nothing");
        assert!(
            changed.body.contains("already sent and recorded"),
            "{}",
            changed.body
        );
        assert!(
            !changed.body.contains("request id"),
            "no jargon: {}",
            changed.body
        );
        assert!(
            changed.body.contains("Changed my mind"),
            "the values are kept"
        );
        let again = go.submit_from(&changed.body, "ProposeTarget", &[]).await;
        assert!(
            !again.body.contains("already used"),
            "not the same loop: {}",
            again.body
        );

        // Opening an agreement outside one's region answers as gRPC does (403).
        let mut london = Visitor::at(address);
        london.sign_in(&app.tokens.go_london).await;
        let outside = london
            .submit(
                "/workspace/agreements",
                "OpenAgreement",
                &[("area", "Surrey"), ("round", ""), ("indicator_set", "2007")],
            )
            .await;
        assert_eq!(outside.status, 403, "{}", outside.body);
        let twice = go
            .submit(
                "/workspace/agreements",
                "OpenAgreement",
                &[("area", "kent"), ("round", ""), ("indicator_set", "2007")],
            )
            .await;
        assert_eq!(twice.status, 409, "already open: {}", twice.body);
    })
    .await;
}

/// Recommendation 2 in the workspace: a negotiator names who delivers a
/// target on its page, and the page shows them by name; a partner not of
/// the list is refused with an error summary naming the valid codes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_negotiator_names_a_targets_partners_on_its_page() {
    for_each_database(|app| async move {
        let (_, _go, mut kent) = kents_negotiators(&app).await;
        let page = kent.get(&target_page(1)).await;
        assert!(page.body.contains("None named"), "{}", page.body);
        let refused = kent
            .submit(&target_page(1), "NamePartners", &[("lead", "army")])
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(refused.body.contains("fire_rescue"), "{}", refused.body);
        let named = kent
            .submit(
                &target_page(1),
                "NamePartners",
                &[("lead", "council"), ("contributors", "pct, police")],
            )
            .await;
        assert_eq!(named.status, 303, "{}", named.body);
        let page = kent.get(&target_page(1)).await;
        assert!(
            page.body
                .contains("The council leads, with The primary care trust, with The police"),
            "{}",
            page.body
        );
    })
    .await;
}
