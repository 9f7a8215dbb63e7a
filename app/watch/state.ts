/** What `watch` shows and how the keys change it; pure, so the keys are tested without a terminal. */
import { FilterError, type FlowFilter, NO_FILTER, parseFilter } from './filter.js';
import { type SortOrder, VIEWS, type ViewName, viewSpec } from './views.js';

/** A key as node:readline's keypress event describes it. */
export interface KeyPress {
  name?: string;
  sequence?: string;
  ctrl?: boolean;
  shift?: boolean;
}

export interface WatchState {
  view: ViewName;
  orders: Record<ViewName, SortOrder>;
  /** The first row shown of the view's scrolling table (the screen keeps it within the rows). */
  scroll: number;
  filter: FlowFilter;
  /** The filter being typed after `/`; undefined when not typing. */
  typing?: string;
  /** Shown on the bottom line until the next key: why a typed filter was refused. */
  message?: string;
  /** The screen keeps what it shows while the feed goes on counting. */
  paused: boolean;
  help: boolean;
  quit: boolean;
}

export function initialState(filter: FlowFilter = NO_FILTER): WatchState {
  const orders = {} as Record<ViewName, SortOrder>;
  for (const view of VIEWS) orders[view.name] = { key: view.sorts[0], ascending: false };
  return { view: 'flows', orders, scroll: 0, filter, paused: false, help: false, quit: false };
}

function showView(state: WatchState, view: ViewName): void {
  state.view = view;
  state.scroll = 0;
}

function stepView(state: WatchState, step: number): void {
  const at = VIEWS.findIndex((v) => v.name === state.view);
  showView(state, VIEWS[(at + step + VIEWS.length) % VIEWS.length].name);
}

function stepSort(state: WatchState, step: number): void {
  const sorts = viewSpec(state.view).sorts;
  const order = state.orders[state.view];
  order.key = sorts[(sorts.indexOf(order.key) + step + sorts.length) % sorts.length];
  state.scroll = 0;
}

function typeFilter(state: WatchState, key: KeyPress): void {
  const typing = state.typing ?? '';
  if (key.name === 'return' || key.name === 'enter') {
    try {
      state.filter = parseFilter(typing);
      state.scroll = 0;
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      state.message = `filter not changed: ${err.message}`;
    }
    state.typing = undefined;
  } else if (key.name === 'escape' || (key.ctrl && key.name === 'c')) {
    state.typing = undefined;
  } else if (key.name === 'backspace') {
    state.typing = typing.slice(0, -1);
  } else if (key.ctrl && key.name === 'u') {
    state.typing = '';
  } else if (key.sequence !== undefined && /^[\x20-\x7e]+$/.test(key.sequence) && !key.ctrl) {
    state.typing = typing + key.sequence;
  }
}

/** Changes the state as the key says; `pageRows` is how many rows a page key moves. */
export function pressKey(state: WatchState, key: KeyPress, pageRows: number): void {
  state.message = undefined;
  if (state.typing !== undefined) {
    typeFilter(state, key);
    return;
  }
  if (key.ctrl && key.name === 'c') {
    state.quit = true;
    return;
  }
  const view = VIEWS.find((v) => v.key === key.sequence);
  if (view !== undefined) {
    showView(state, view.name);
    return;
  }
  switch (key.name === 'tab' ? (key.shift ? 'backtab' : 'tab') : (key.sequence ?? key.name)) {
    case 'q':
      state.quit = true;
      break;
    case 'tab':
      stepView(state, 1);
      break;
    case 'backtab':
      stepView(state, -1);
      break;
    case 's':
      stepSort(state, 1);
      break;
    case 'S':
      stepSort(state, -1);
      break;
    case 'r':
      state.orders[state.view].ascending = !state.orders[state.view].ascending;
      break;
    case '/':
      state.typing = state.filter.text;
      break;
    case 'c':
      state.filter = NO_FILTER;
      state.scroll = 0;
      break;
    case 'p':
    case ' ':
      state.paused = !state.paused;
      break;
    case '?':
    case 'h':
      state.help = !state.help;
      break;
    default:
      scrollKey(state, key, pageRows);
  }
}

function scrollKey(state: WatchState, key: KeyPress, pageRows: number): void {
  const page = Math.max(1, pageRows);
  const moves: Record<string, number> = {
    up: -1,
    k: -1,
    down: 1,
    j: 1,
    pageup: -page,
    pagedown: page,
  };
  const name = key.name ?? key.sequence ?? '';
  if (name in moves) state.scroll = Math.max(0, state.scroll + moves[name]);
  else if (name === 'home' || key.sequence === 'g') state.scroll = 0;
  else if (name === 'end' || key.sequence === 'G') state.scroll = Number.MAX_SAFE_INTEGER;
}
