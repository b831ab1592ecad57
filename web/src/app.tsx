import { MetaProvider, Title } from '@solidjs/meta';
import { Router } from '@solidjs/router';
import { FileRoutes } from '@solidjs/start/router';
import { ErrorBoundary, Suspense } from 'solid-js';
import { ErrorState } from './components/ErrorState';
import { Spinner } from './components/Spinner';
import './app.css';

export default function App() {
  return (
    <Router
      root={(props) => (
        <MetaProvider>
          <Title>Roomcast</Title>
          <ErrorBoundary fallback={(error, reset) => <ErrorState error={error} reset={reset} />}>
            <Suspense fallback={<div class="flex min-h-screen items-center justify-center"><Spinner label="Loading" /></div>}>
              {props.children}
            </Suspense>
          </ErrorBoundary>
        </MetaProvider>
      )}
    >
      <FileRoutes />
    </Router>
  );
}
