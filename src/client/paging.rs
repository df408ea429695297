//! Every list method pages the same way (AIP-158): this is the one loop.

use std::future::Future;

use super::error::CliError;

/// Fetches every page: `page(token)` asks for the page at `token` (empty for
/// the first) and answers its items and the next page's token (empty after
/// the last page).
pub async fn all<T, F, Fut>(mut page: F) -> Result<Vec<T>, CliError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, String), CliError>>,
{
    let mut items = Vec::new();
    let mut token = String::new();
    loop {
        let (more, next) = page(token).await?;
        items.extend(more);
        if next.is_empty() {
            return Ok(items);
        }
        token = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pages_are_followed_to_the_last() {
        let pages = all(|token| async move {
            Ok(match token.as_str() {
                "" => (vec![1, 2], "b".to_owned()),
                "b" => (vec![3], "c".to_owned()),
                _ => (vec![4], String::new()),
            })
        })
        .await
        .unwrap();
        assert_eq!(pages, vec![1, 2, 3, 4]);
    }
}
