/** Something started that must be stopped cleanly on shutdown. */
export interface Service {
  stop(): Promise<void>;
}

/** An HTTP service: where it listens, and how to stop it. */
export interface HttpService extends Service {
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
}
