use server::config::{self, Config};
use std::process::ExitCode;

// mimalloc rather than glibc's malloc: under page-render load glibc's heap kept growing, about
// 1 MB per 150,000 course pages (resident 19 MB idle, 39 MB after a 10-minute soak and still rising),
// while heaptrack found almost nothing left allocated (peak heap 21 MB; a few bytes per render that
// are arena and buffer capacity), and limiting glibc to two arenas changed nothing. With mimalloc the
// process starts larger (46 MB) and stays between 46 and 52 MB over the same 10 minutes, and
// serves more pages in the soak (scripts/soak.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal outside development.
    let _ = dotenvy::dotenv();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("peerloop: configuration error: {error}");
            return ExitCode::FAILURE;
        }
    };
    server::telemetry::init(config.log_format);
    let shutdown = server::shutdown_signal();

    let leptos_options = config::leptos_options();
    let address = leptos_options.site_addr;
    if let Err(error) = config.check_listen_address(address) {
        eprintln!("peerloop: configuration error: {error}");
        return ExitCode::FAILURE;
    }
    let state = match server::build_state(&config).await {
        Ok(state) => state,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    let db = state.db.clone();
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%error, %address, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        database = db.backend().name(),
        env = ?config.env,
        "PeerLoop is serving http://{address}"
    );
    let background = server::spawn_background_work(&state, &config);
    let app = server::router(state, leptos_options, config.trusted_proxy_hops)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    // The job in flight (an email being sent) finishes before the database closes.
    background.stop(std::time::Duration::from_secs(30)).await;
    db.close().await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server failed");
            ExitCode::FAILURE
        }
    }
}
