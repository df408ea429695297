//! Mail: the operator's SMTP relay, and the message that tells a person
//! what waits on them.
//!
//! The relay is `lettre`'s SMTP client over tokio, TLS by rustls (ring,
//! the system's roots), from the URL the operator gives
//! (`laa serve --smtp-url`). A message names what waits and the agreement
//! (area, round and id) and links to it; it never carries terms,
//! rationale or an offer's values: those stay behind the sign-in.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::inbox::Waiting;

/// The longest one message may take to hand to the relay.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a message was not delivered to the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undelivered {
    /// It could not be handed over now (the relay is down, or said to try
    /// again later): worth trying again.
    Later(String),
    /// It will never go as it is (the relay refused it for good, or the
    /// address is not one): not worth trying again.
    Refused(String),
}

/// The operator's SMTP relay and the address messages come from.
#[derive(Clone)]
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
}

impl Relay {
    /// The relay at `url` (`smtp://host:25`, `smtp://host:587?tls=required`
    /// for STARTTLS, `smtps://user:password@host` for TLS from the start),
    /// sending from `from` (`laa@example.org` or `LAA <laa@example.org>`).
    /// Errors name the relay's host, never its credentials.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let host = relay_host(url)?;
        let from: Mailbox = from
            .trim()
            .parse()
            .map_err(|e| format!("the sender address '{from}' is not an email address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("cannot use the SMTP relay at {host}: {e}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Self {
            transport,
            from,
            host,
        })
    }

    /// The relay's host and port, as the logs name it.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Hands `letter` to the relay for `to`.
    pub async fn send(&self, to: &str, letter: &Letter) -> Result<(), Undelivered> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| Undelivered::Refused(format!("the address is not one: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(letter.subject.clone())
            .body(letter.body.clone())
            .map_err(|e| Undelivered::Refused(format!("cannot build the message: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(Undelivered::Refused(error.to_string())),
            Err(error) => Err(Undelivered::Later(error.to_string())),
        }
    }
}

/// The host (and port, if given) of a relay's URL, without user or
/// password.
fn relay_host(url: &str) -> Result<String, String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        format!("the SMTP relay URL is not a URL ({e}); write smtp://HOST:PORT or smtps://USER:PASSWORD@HOST")
    })?;
    if !matches!(parsed.scheme(), "smtp" | "smtps") {
        return Err(format!(
            "the SMTP relay URL begins {}:// where smtp:// or smtps:// was expected",
            parsed.scheme()
        ));
    }
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("the SMTP relay URL names no host")?;
    Ok(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// One message, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// The agreement an item concerns, as a message names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Its id, such as `kent-2008-11`.
    pub id: String,
    /// Its area, as people say it.
    pub area: String,
    /// Its round, such as `2008-11`.
    pub round: String,
}

/// Control characters out, so that nothing a negotiator typed (a local
/// indicator's title) can break a line or a header.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The message telling of `item`: what waits, the agreement it concerns
/// and the link to it under `web_url`; nothing of the terms.
pub fn letter(item: &Waiting, agreement: Option<&Named>, web_url: &str) -> Letter {
    let what = one_line(&item.what);
    let link = format!("{}{}", web_url.trim_end_matches('/'), item.link);
    let (concerning, line) = match agreement {
        Some(a) => (
            format!("{}, {}", one_line(&a.area), one_line(&a.round)),
            format!(
                "Agreement: {}, round {} ({})",
                one_line(&a.area),
                one_line(&a.round),
                a.id
            ),
        ),
        None => (
            one_line(&item.about),
            format!("Concerning: {}", one_line(&item.about)),
        ),
    };
    let settings = format!(
        "{}{}/notifications",
        web_url.trim_end_matches('/'),
        crate::ROOT
    );
    Letter {
        subject: format!("{what}: {concerning}"),
        body: format!(
            "Something new is waiting on you in the LAA workspace.\n\
             \n\
             What: {what}\n\
             {line}\n\
             Open it: {link}\n\
             \n\
             Sign in to see the details. This message carries none of the terms under negotiation.\n\
             \n\
             You asked to be told by email when something starts waiting on you.\n\
             To stop, turn it off at {settings}\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relays_host_is_named_without_its_credentials() {
        for (url, host) in [
            ("smtp://relay:25", "relay:25"),
            ("smtps://user:secret@mail.example.org", "mail.example.org"),
            ("smtp://u:p%40ss@10.0.0.1:587?tls=required", "10.0.0.1:587"),
        ] {
            assert_eq!(relay_host(url).as_deref(), Ok(host), "{url}");
        }
        for bad in [
            "relay:25",
            "http://relay",
            "smtp://",
            "smtps://user:secret@",
        ] {
            let error = relay_host(bad).expect_err(bad);
            assert!(!error.contains("secret"), "{error}");
        }
    }

    #[test]
    fn a_letter_names_the_agreement_and_links_to_it_on_one_line_each() {
        let item = Waiting {
            what: "Answer the offer on NI 117\r\nBcc: someone@example.org".into(),
            link: "/workspace/agreements/kent-2008-11/targets/17".into(),
            about: "Kent".into(),
            occurrence: "1228089600.000000000".into(),
        };
        let named = Named {
            id: "kent-2008-11".into(),
            area: "Kent".into(),
            round: "2008-11".into(),
        };
        let letter = letter(&item, Some(&named), "https://laa.example.org/");
        assert!(!letter.subject.contains('\n') && !letter.subject.contains('\r'));
        assert!(letter.subject.starts_with("Answer the offer on NI 117"));
        assert!(
            letter.subject.ends_with("Kent, 2008-11"),
            "{}",
            letter.subject
        );
        assert!(
            letter
                .body
                .contains("https://laa.example.org/workspace/agreements/kent-2008-11/targets/17\n")
        );
        assert!(letter.body.contains("(kent-2008-11)"));
        assert!(!letter.body.lines().any(|l| l.starts_with("Bcc:")));
    }
}
