//! One browser WebSocket to `/sync`, reduced to three events. The sync loop
//! owns at most one; dropping it detaches the handlers and closes it, so a
//! replaced connection can never report into the new one.

use crate::local_store::js_error;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, Event, MessageEvent, WebSocket};

/// What happened on the socket.
#[derive(Debug)]
pub enum SocketEvent {
    /// The connection is open.
    Open,
    /// A binary frame arrived.
    Frame(Vec<u8>),
    /// The connection failed or closed (browsers send `error` then `close`;
    /// the loop ignores all but the first).
    Closed,
}

/// An open (or opening) connection and its handlers.
pub struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(Event)>,
}

impl Socket {
    /// Starts connecting to `url`; events arrive through `on_event` later,
    /// never during this call.
    pub fn open(url: &str, on_event: impl Fn(SocketEvent) + 'static) -> Result<Socket, String> {
        let ws = WebSocket::new(url).map_err(js_error)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_event: Rc<dyn Fn(SocketEvent)> = Rc::new(on_event);
        let cb = on_event.clone();
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| cb(SocketEvent::Open));
        let cb = on_event.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            // The protocol is binary; a text frame carries nothing for us.
            if let Ok(buf) = e.data().dyn_into::<js_sys::ArrayBuffer>() {
                cb(SocketEvent::Frame(js_sys::Uint8Array::new(&buf).to_vec()));
            }
        });
        let cb = on_event;
        let on_close = Closure::<dyn FnMut(Event)>::new(move |_| cb(SocketEvent::Closed));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends one binary frame.
    pub fn send(&self, bytes: &[u8]) -> Result<(), String> {
        self.ws.send_with_u8_array(bytes).map_err(js_error)
    }

    /// Bytes queued by the browser but not yet sent: non-zero while a large
    /// upload is still going out on a slow link.
    pub fn buffered(&self) -> u32 {
        self.ws.buffered_amount()
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        let _ = self.ws.close();
    }
}
