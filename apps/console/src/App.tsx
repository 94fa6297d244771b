import { useCallback, useState } from 'react'
import { SignedIn, type SignedInPerson } from './auth/SignedIn'
import { SignInPage } from './auth/SignInPage'

/**
 * Signed out or signed in, nothing else. The token lives in this component's state only: never in
 * localStorage, sessionStorage, IndexedDB or a cookie, so a reload or a closed tab signs out.
 */
export function App() {
  const [person, setPerson] = useState<SignedInPerson | null>(null)
  const [notice, setNotice] = useState<string | undefined>()

  const signOut = useCallback((message?: string) => {
    setPerson(null)
    setNotice(message)
  }, [])

  const signIn = useCallback((signedIn: SignedInPerson) => {
    setNotice(undefined)
    setPerson(signedIn)
  }, [])

  if (person === null) return <SignInPage notice={notice} onSignedIn={signIn} />
  // Keyed by the token: a new sign-in starts from an empty cache.
  return <SignedIn key={person.token} person={person} signOut={signOut} />
}
