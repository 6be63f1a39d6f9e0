//! Where a session's recording is kept and how it is served.

/// The blob key of a recording: under its session, named by the service's record id (reduced
/// to characters safe in any store's keys and URLs), with the extension of the service's own
/// file name when it has a plausible one.
pub fn blob_key(booking_id: &str, record_id: &str, file_path: &str) -> String {
    let safe = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let file_name = file_path.rsplit('/').next().unwrap_or_default();
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .filter(|extension| {
            (1..=5).contains(&extension.len())
                && extension.chars().all(|c| c.is_ascii_alphanumeric())
        })
        .unwrap_or_else(|| "bin".into());
    format!(
        "recordings/{}/{}.{extension}",
        safe(booking_id),
        safe(record_id)
    )
}

/// The media type a browser needs to play a recording, from its key's extension.
pub fn content_type(key: &str) -> &'static str {
    match key.rsplit_once('.').map(|(_, extension)| extension) {
        Some("mp4" | "m4v") => "video/mp4",
        Some("webm") => "video/webm",
        Some("mkv") => "video/x-matroska",
        Some("ogg" | "ogv") => "video/ogg",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_live_under_the_session_and_keep_a_plausible_extension() {
        assert_eq!(
            blob_key("b1", "REC_42", "node_01/RM_x/REC_42.MP4"),
            "recordings/b1/REC_42.mp4"
        );
        assert_eq!(
            blob_key("b1", "r/../../etc", "a.webm"),
            "recordings/b1/r_______etc.webm"
        );
        assert_eq!(blob_key("b1", "r", "no-extension"), "recordings/b1/r.bin");
        assert_eq!(blob_key("b1", "r", "dir.d/file"), "recordings/b1/r.bin");
        assert_eq!(blob_key("b1", "r", "x.tar?evil"), "recordings/b1/r.bin");
    }

    #[test]
    fn players_are_told_the_container() {
        assert_eq!(content_type("recordings/b/r.mp4"), "video/mp4");
        assert_eq!(content_type("recordings/b/r.webm"), "video/webm");
        assert_eq!(
            content_type("recordings/b/r.bin"),
            "application/octet-stream"
        );
    }
}
